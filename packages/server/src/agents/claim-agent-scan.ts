import type { ScanRecord, ScanRepository, ScanScope } from "../store/scan-repository.js";

/**
 * The next scan an agent should run for its cluster: a scan already `running` (claimed
 * earlier, by this agent before it restarted, say: the agent only asks when it has nothing in
 * hand, so a running scan it is offered is one it lost), else the oldest `queued` scan, moved to
 * `running`. Of two agents racing for one queued scan, the store's status check lets one win;
 * the other takes the next one, or nothing.
 */
export async function claimAgentScan(
  scans: ScanRepository,
  clusterId: string,
  at: string,
): Promise<ScanRecord | undefined> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const open = await scans.listByCluster(clusterId, { statuses: ["queued", "running"], limit: 100 });
    const running = open.items.find((scan) => scan.status === "running");
    if (running) return running;
    // newest first: the last queued one is the oldest
    const oldest = open.items.filter((scan) => scan.status === "queued").at(-1);
    if (!oldest) return undefined;
    if (await scans.updateStatus({ id: oldest.id, status: "running", at, from: ["queued"] })) {
      const claimed = await scans.get(oldest.id);
      if (claimed) {
        const { images: _, ...record } = claimed;
        return record;
      }
    }
  }
  return undefined;
}

/**
 * What an agent covers for a scan: the scan's namespaces, or, when it names none, the agent's
 * own (an agent limited to some namespaces covers only those, so only those may be resolved).
 */
export function agentScanScope(scan: ScanRecord, agentNamespaces: readonly string[]): ScanScope {
  return scan.scope.namespaces.length > 0 ? scan.scope : { namespaces: [...agentNamespaces] };
}
