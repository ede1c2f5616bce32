import {
  type ClusterScanResult,
  createDirectoryLayerCache,
  createPullSecretCredentials,
  type DiscoveryResult,
  discoverRunningContainers,
  findCredentials,
  groupByDigest,
  type KubernetesReader,
  type OpenImageSourceOptions,
  parseImageReference,
  scanCluster,
} from "@vigil/core";
import {
  type AgentConfig,
  type AgentServerClient,
  type AgentTokenRefusedError,
  type ClaimedScan,
  RequestRefusedError,
  ServerUnavailableError,
} from "./agent-server-client.js";
import { type Backoff, jittered, sleep } from "./backoff.js";
import type { ResultSpool, SpooledDelivery } from "./result-spool.js";

/** Options of {@link runAgent}. */
export interface RunAgentOptions {
  readonly client: AgentServerClient;
  readonly reader: KubernetesReader;
  readonly spool: ResultSpool;
  readonly backoff: Backoff;
  /** Between claims when there is nothing to do. */
  readonly pollMs: number;
  /** Stops the loop (SIGTERM): a scan in progress is dropped; the agent claims it again at its next start. */
  readonly signal: AbortSignal;
  /** Registry trust and transport settings for scans in the cluster (mode `scan`). */
  readonly registry: OpenImageSourceOptions;
  /** Layer cache directory; none when undefined. */
  readonly cacheDir?: string;
  /** Image scans at once. */
  readonly concurrency?: number;
  /** One line for the log (stderr). */
  readonly log: (message: string) => void;
}

/**
 * The agent's loop: deliver what the spool holds, claim the next scan, run it (scan in the
 * cluster, or discover and let the server scan), spool its result, deliver, and again. While
 * the server is unreachable (or answers 5xx/429) it waits with jittered exponential backoff
 * and keeps every result on disk, so nothing is lost; a 401 (token unknown or revoked) ends
 * the loop with {@link AgentTokenRefusedError}.
 */
export async function runAgent(options: RunAgentOptions): Promise<void> {
  const { client, spool, backoff, signal, log } = options;
  const config = await untilAnswered(() => client.config(), options);
  if (!config) return;
  log(
    `agent ${config.agentId} for cluster ${config.clusterId} (mode ${config.mode}${config.namespaces.length ? `, namespaces ${config.namespaces.join(", ")}` : ""})`,
  );
  while (!signal.aborted) {
    try {
      await deliverSpool(options);
      const claimed = await client.claim();
      backoff.reset();
      if (!claimed) {
        await sleep(jittered(options.pollMs), signal);
        continue;
      }
      log(`claimed scan ${claimed.scan.id} (${claimed.mode})`);
      const delivery = await runClaimed(claimed, config, options);
      if (!delivery) continue; // stopped during the scan
      await spool.put(delivery);
      log(`scan ${claimed.scan.id} done; result spooled`);
    } catch (error) {
      if (!(error instanceof ServerUnavailableError)) throw error;
      const wait = backoff.next();
      log(`${error.message}; retrying in ${(wait / 1000).toFixed(1)} s`);
      await sleep(wait, signal);
    }
  }
}

/** Calls `request` until the server answers (backing off while it cannot be reached); undefined when stopped. */
async function untilAnswered<T>(request: () => Promise<T>, options: RunAgentOptions): Promise<T | undefined> {
  while (!options.signal.aborted) {
    try {
      const answer = await request();
      options.backoff.reset();
      return answer;
    } catch (error) {
      if (!(error instanceof ServerUnavailableError)) throw error;
      const wait = options.backoff.next();
      options.log(`${error.message}; retrying in ${(wait / 1000).toFixed(1)} s`);
      await sleep(wait, options.signal);
    }
  }
  return undefined;
}

/**
 * Sends every spooled delivery, oldest first. A 2xx deletes it; a refusal for good moves it to
 * `rejected/`; an unreachable server stops here (the caller backs off) with the file kept.
 */
async function deliverSpool(options: RunAgentOptions): Promise<void> {
  const { spool, client, log } = options;
  for (const name of await spool.pending()) {
    if (options.signal.aborted) return;
    const delivery = await spool.read(name);
    const body =
      delivery.kind === "discovery" ? await withPullCredentials(delivery.body, options) : delivery.body;
    try {
      await client.deliver(delivery.kind, delivery.scanId, body);
    } catch (error) {
      if (error instanceof RequestRefusedError) {
        await spool.reject(name, `${error.status} ${error.message}`);
        log(
          `the server refused the ${delivery.kind} of scan ${delivery.scanId} (${error.status}: ${error.message}); kept in ${spool.dir}/rejected`,
        );
        continue;
      }
      throw error;
    }
    await spool.remove(name);
    log(`delivered the ${delivery.kind} of scan ${delivery.scanId}`);
  }
}

async function runClaimed(
  claimed: ClaimedScan,
  config: AgentConfig,
  options: RunAgentOptions,
): Promise<SpooledDelivery | undefined> {
  const namespaces = [...claimed.scan.scope.namespaces];
  const signal = options.signal;
  try {
    if (claimed.mode === "discover") {
      const startedAt = new Date();
      const discovery = await discoverRunningContainers({
        reader: options.reader,
        clusterId: config.clusterId,
        ...(namespaces.length ? { namespaces } : {}),
        signal,
      });
      return {
        kind: "discovery",
        scanId: claimed.scan.id,
        body: { clusterId: config.clusterId, startedAt: startedAt.toISOString(), discovery },
      };
    }
    const result = await scanCluster({
      ...options.registry,
      ...(options.cacheDir ? { cache: createDirectoryLayerCache(options.cacheDir) } : {}),
      reader: options.reader,
      clusterId: config.clusterId,
      agentId: config.agentId,
      ...(namespaces.length ? { namespaces } : {}),
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      signal,
    });
    return { kind: "result", scanId: claimed.scan.id, body: resultBody(result) };
  } catch (error) {
    if (signal.aborted) return undefined;
    throw error;
  }
}

/** A result as JSON: dates as text; error objects (`cause`) left out. */
function resultBody(result: ClusterScanResult): Record<string, unknown> {
  return JSON.parse(JSON.stringify(result, (key, value) => (key === "cause" ? undefined : value)));
}

/**
 * A discovery with the registry credentials its images need, read from the pods' pull secrets
 * now (as `scanCluster` would): per digest and reference, only the one registry's credential.
 * They are sent, never written to the spool or the log.
 */
async function withPullCredentials(
  body: Record<string, unknown>,
  options: RunAgentOptions,
): Promise<Record<string, unknown>> {
  const discovery = body.discovery as DiscoveryResult;
  const secrets = createPullSecretCredentials({ reader: options.reader, signal: options.signal });
  const credentials: unknown[] = [];
  for (const target of groupByDigest(discovery.containers)) {
    for (const reference of target.references) {
      const { registry, repository } = parseImageReference(reference);
      for (const container of target.containers) {
        const found = await secrets.credentialsFor(container);
        const credential = found.config ? findCredentials(found.config, registry, repository) : undefined;
        if (credential) {
          credentials.push({ digest: target.digest, reference, registry, credentials: credential });
          break;
        }
      }
    }
  }
  return { ...body, credentials };
}
