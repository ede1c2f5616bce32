import type {
  ClusterScanResult,
  DiscoveryResult,
  DockerConfig,
  ImageTargetScan,
  RegistryCredentials,
} from "@vigil/core";
import { normalizeRegistryKey } from "@vigil/core";
import { badInputs, type InputProblem, isObject } from "../http/routes/request-input.js";

/**
 * Reading what agents send. An agent is trusted for its own cluster only, and its body is
 * checked before anything is stored: every field `storeClusterScan` reads, with the path of
 * the first problems in the 400 (`images[2].target.digest: expected a string`). Values are never
 * echoed back (a discovery carries credentials).
 */

/** Collects problems by path while reading a JSON value. */
class Reader {
  readonly problems: InputProblem[] = [];
  problem(field: string, reason: string): void {
    this.problems.push({ field, reason });
  }
  object(value: unknown, field: string): Record<string, unknown> | undefined {
    if (isObject(value)) return value;
    this.problem(field, "expected an object");
    return undefined;
  }
  array(value: unknown, field: string): unknown[] {
    if (Array.isArray(value)) return value;
    this.problem(field, "expected an array");
    return [];
  }
  string(value: unknown, field: string, optional = false): string | undefined {
    if (typeof value === "string" && value !== "") return value;
    if (optional && value === undefined) return undefined;
    this.problem(field, "expected a non-empty string");
    return undefined;
  }
  number(value: unknown, field: string): number | undefined {
    if (typeof value === "number" && Number.isFinite(value)) return value;
    this.problem(field, "expected a number");
    return undefined;
  }
  oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T | undefined {
    if (typeof value === "string" && (allowed as readonly string[]).includes(value)) return value as T;
    this.problem(field, `expected one of ${allowed.join(", ")}`);
    return undefined;
  }
  date(value: unknown, field: string): Date | undefined {
    const text = typeof value === "string" ? value : undefined;
    const time = text === undefined ? Number.NaN : Date.parse(text);
    if (!Number.isNaN(time)) return new Date(time);
    this.problem(field, "expected an RFC 3339 date-time");
    return undefined;
  }
  done(message: string): void {
    if (this.problems.length > 0) throw badInputs(message, this.problems);
  }
}

const STATUSES = ["complete", "partial", "failed"] as const;

function readContainer(r: Reader, value: unknown, field: string, clusterId: string): void {
  const c = r.object(value, field);
  if (!c) return;
  for (const key of ["namespace", "pod", "containerName", "image", "imageId", "digest", "pullReference"]) {
    r.string(c[key], `${field}.${key}`);
  }
  if (c.clusterId !== clusterId) r.problem(`${field}.clusterId`, "must be the result's clusterId");
  r.oneOf(c.containerType, `${field}.containerType`, ["container", "init", "ephemeral"]);
  r.string(c.startedAt, `${field}.startedAt`, true);
  const workload = r.object(c.workload, `${field}.workload`);
  if (workload) {
    r.string(workload.kind, `${field}.workload.kind`);
    r.string(workload.name, `${field}.workload.name`);
    r.string(workload.namespace, `${field}.workload.namespace`);
  }
  r.array(c.pullSecrets, `${field}.pullSecrets`);
}

function readDiscovery(
  r: Reader,
  value: unknown,
  field: string,
  clusterId: string,
): DiscoveryResult | undefined {
  const d = r.object(value, field);
  if (!d) return undefined;
  r.oneOf(d.status, `${field}.status`, STATUSES);
  r.array(d.containers, `${field}.containers`).forEach((c, i) => {
    readContainer(r, c, `${field}.containers[${i}]`, clusterId);
  });
  r.array(d.skipped, `${field}.skipped`);
  r.array(d.failures, `${field}.failures`).forEach((f, i) => {
    const failure = r.object(f, `${field}.failures[${i}]`);
    if (!failure) return;
    r.oneOf(failure.scope, `${field}.failures[${i}].scope`, ["cluster", "namespace"]);
    r.string(failure.reason, `${field}.failures[${i}].reason`);
  });
  r.array(d.issues, `${field}.issues`);
  const stats = r.object(d.stats, `${field}.stats`);
  if (stats) {
    for (const key of ["namespaces", "pods", "containers", "skipped"])
      r.number(stats[key], `${field}.stats.${key}`);
  }
  return d as unknown as DiscoveryResult;
}

function readImageScan(
  r: Reader,
  value: unknown,
  field: string,
  clusterId: string,
): ImageTargetScan | undefined {
  const s = r.object(value, field);
  if (!s) return undefined;
  const target = r.object(s.target, `${field}.target`);
  if (target) {
    r.string(target.digest, `${field}.target.digest`);
    r.array(target.references, `${field}.target.references`).forEach((ref, i) => {
      r.string(ref, `${field}.target.references[${i}]`);
    });
    r.array(target.containers, `${field}.target.containers`).forEach((c, i) => {
      readContainer(r, c, `${field}.target.containers[${i}]`, clusterId);
    });
  }
  r.string(s.reference, `${field}.reference`);
  r.array(s.failedAttempts, `${field}.failedAttempts`);
  const result = r.object(s.result, `${field}.result`);
  if (!result) return undefined;
  const status = r.oneOf(result.status, `${field}.result.status`, STATUSES);
  r.array(result.layers, `${field}.result.layers`);
  const stages = r.object(result.stages, `${field}.result.stages`);
  for (const stage of ["inventory", "match"]) {
    const st = stages ? r.object(stages[stage], `${field}.result.stages.${stage}`) : undefined;
    if (st) r.number(st.durationMs, `${field}.result.stages.${stage}.durationMs`);
  }
  if (status === "complete") {
    const image = r.object(result.image, `${field}.result.image`);
    if (image) {
      r.string(image.manifestDigest, `${field}.result.image.manifestDigest`);
      const platform = r.object(image.platform, `${field}.result.image.platform`);
      if (platform) {
        r.string(platform.os, `${field}.result.image.platform.os`);
        r.string(platform.architecture, `${field}.result.image.platform.architecture`);
      }
    }
    const inventory = r.object(result.inventory, `${field}.result.inventory`);
    if (inventory) r.array(inventory.packages, `${field}.result.inventory.packages`);
  }
  // The agent's own matches (and any error object) are dropped: matching is the server's.
  const { matches: _matches, cause: _cause, ...kept } = result;
  return { ...(s as unknown as ImageTargetScan), result: kept as unknown as ImageTargetScan["result"] };
}

/** The `clusterId` a body names, when it names one (checked against the token's before anything else). */
export function claimedClusterId(body: Record<string, unknown>): string | undefined {
  return typeof body.clusterId === "string" ? body.clusterId : undefined;
}

/**
 * An agent's scan result (`ClusterScanResult` as JSON: dates as RFC 3339 text) for `clusterId`,
 * with its dates revived and without any matches; 400 naming the fields that are wrong.
 */
export function parseAgentScanResult(body: Record<string, unknown>, clusterId: string): ClusterScanResult {
  const r = new Reader();
  if (body.clusterId !== clusterId) r.problem("clusterId", "must be the agent's cluster");
  r.oneOf(body.status, "status", STATUSES);
  const startedAt = r.date(body.startedAt, "startedAt");
  const finishedAt = r.date(body.finishedAt, "finishedAt");
  const discovery = readDiscovery(r, body.discovery, "discovery", clusterId);
  const images = r.array(body.images, "images").map((s, i) => readImageScan(r, s, `images[${i}]`, clusterId));
  r.array(body.failures, "failures").forEach((f, i) => {
    const failure = r.object(f, `failures[${i}]`);
    if (!failure) return;
    r.oneOf(failure.scope, `failures[${i}].scope`, ["cluster", "namespace", "image", "container"]);
    r.string(failure.subject, `failures[${i}].subject`);
    r.string(failure.reason, `failures[${i}].reason`);
  });
  r.array(body.issues, "issues");
  const summary = r.object(body.summary, "summary");
  if (summary) {
    for (const key of [
      "namespaces",
      "pods",
      "containers",
      "skippedContainers",
      "uniqueImages",
      "scanned",
      "failed",
    ]) {
      r.number(summary[key], `summary.${key}`);
    }
  }
  r.done("the scan result is not valid");
  return {
    ...(body as unknown as ClusterScanResult),
    startedAt: startedAt!,
    finishedAt: finishedAt!,
    discovery: discovery!,
    images: images as ImageTargetScan[],
    summary: summary as unknown as ClusterScanResult["summary"],
  };
}

/** One registry credential an agent read from the pull secrets of the pods running `digest`. */
export interface AgentPullCredential {
  readonly digest: string;
  readonly reference: string;
  /** The registry (or `registry/namespace`) key the credential is for, as in a Docker config. */
  readonly registry: string;
  readonly credentials: RegistryCredentials;
}

/** What an agent in mode `discover` sends. */
export interface AgentDiscovery {
  readonly discovery: DiscoveryResult;
  readonly startedAt: Date;
  readonly credentials: readonly AgentPullCredential[];
}

/** An agent's discovery with the pull credentials it read; 400 naming the fields that are wrong. */
export function parseAgentDiscovery(body: Record<string, unknown>, clusterId: string): AgentDiscovery {
  const r = new Reader();
  if (body.clusterId !== clusterId) r.problem("clusterId", "must be the agent's cluster");
  const startedAt = r.date(body.startedAt, "startedAt");
  const discovery = readDiscovery(r, body.discovery, "discovery", clusterId);
  const credentials: AgentPullCredential[] = [];
  r.array(body.credentials, "credentials").forEach((value, i) => {
    const field = `credentials[${i}]`;
    const c = r.object(value, field);
    if (!c) return;
    const digest = r.string(c.digest, `${field}.digest`);
    const reference = r.string(c.reference, `${field}.reference`);
    const registry = r.string(c.registry, `${field}.registry`);
    const given = r.object(c.credentials, `${field}.credentials`);
    if (!digest || !reference || !registry || !given) return;
    const creds: Record<string, string> = {};
    for (const key of ["username", "password", "identityToken", "registryToken"]) {
      if (given[key] === undefined) continue;
      const text = r.string(given[key], `${field}.credentials.${key}`);
      if (text) creds[key] = text;
    }
    if (Object.keys(creds).length === 0) r.problem(`${field}.credentials`, "holds no credential");
    credentials.push({ digest, reference, registry, credentials: creds });
  });
  r.done("the discovery is not valid");
  return { discovery: discovery!, startedAt: startedAt!, credentials };
}

/**
 * The pull credentials of a discovery as the scan's `credentialsFor`: a Docker config holding
 * only the one registry's credential, for the digest and reference the agent read it for.
 * They live in this closure for the one scan; nothing stores or logs them.
 */
export function credentialsLookup(
  credentials: readonly AgentPullCredential[],
  agentId: string,
): (target: { readonly digest: string }, reference: string) => DockerConfig | undefined {
  const byKey = new Map<string, DockerConfig>();
  for (const c of credentials) {
    byKey.set(`${c.digest} ${c.reference}`, {
      source: `the pull secrets agent ${agentId} read`,
      auths: new Map([[normalizeRegistryKey(c.registry), c.credentials]]),
      helperRegistries: [],
    });
  }
  return (target, reference) => byKey.get(`${target.digest} ${reference}`);
}
