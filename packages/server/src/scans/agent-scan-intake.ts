import type { ClusterScanResult, DiscoveryResult, DockerConfig, ImageScanTarget } from "@vigil/core";
import type { ScanRecord } from "../store/scan-repository.js";

/** What becomes of a result an agent sends. */
export interface AgentIntakeOutcome {
  /**
   * False when the scan had finished already (a result sent again after its answer was lost,
   * or a scan cancelled meanwhile): nothing was stored this time.
   */
  readonly stored: boolean;
  /** The scan as it stands afterwards. */
  readonly scan: ScanRecord;
}

/**
 * Takes in what in-cluster agents send for the scans they claimed, and stores it through the
 * same path as the server's own scans (`storeClusterScan`, under the cluster's findings lock).
 * `scan` carries the scope the agent covered. Each scan id is taken in once: a second delivery
 * finds the scan finished and stores nothing.
 */
export interface AgentScanIntake {
  /** An agent's own scan (mode `scan`): inventories read in the cluster, matched here. */
  receiveResult(request: {
    readonly scan: ScanRecord;
    readonly result: ClusterScanResult;
  }): Promise<AgentIntakeOutcome>;
  /**
   * An agent's discovery (mode `discover`), scanned here with the credentials the agent read
   * from the pods' pull secrets. `credentialsFor` holds them in memory for this call only.
   */
  scanDiscovery(request: {
    readonly scan: ScanRecord;
    readonly agentId: string;
    readonly discovery: DiscoveryResult;
    readonly startedAt: Date;
    readonly credentialsFor: (target: ImageScanTarget, reference: string) => DockerConfig | undefined;
  }): Promise<AgentIntakeOutcome>;
}
