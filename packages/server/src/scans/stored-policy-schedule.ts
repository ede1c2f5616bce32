import type { Logger } from "pino";
import { parsePolicies } from "../scheduler/parse-policies.js";
import { CLUSTER_IMAGE_SCANNING, type ScanPolicy } from "../scheduler/scan-policy.js";
import type { PolicyState, SchedulerOptions } from "../scheduler/scheduler.js";
import type { ClusterRecord } from "../store/cluster-repository.js";
import type { ScanPolicyRecord } from "../store/scan-policy-repository.js";
import type { ScanService } from "./scan-service.js";
import type { ScanStores } from "./scan-stores.js";

/** What the scheduler reads and calls, over the store's policies and a scan service. */
export type StoredPolicySchedule = Pick<SchedulerOptions, "policies" | "startScan" | "markRun">;

/** Options of {@link createStoredPolicySchedule}. */
export interface StoredPolicyScheduleOptions {
  readonly stores: Pick<ScanStores, "clusters" | "policies">;
  readonly scans: ScanService;
  readonly logger: Logger;
}

/**
 * The scheduler's view of the stored scan policies.
 *
 * A stored policy keeps its YAML as written plus one cadence, time zone, cluster list and
 * namespace list in columns. The scheduler's `ScanPolicy` can have several rules, each with its
 * own cadence and clusters, so the policy is parsed from the stored YAML (`parsePolicies`, the
 * one that carries the row's name, or the only one) rather than rebuilt from the columns, which
 * would lose every rule but one; no second copy (a `policy_json` column) can drift from the YAML
 * the user edits. The row stays authoritative for what the API changes without rewriting YAML:
 * the name and `enabled`. A YAML that no longer parses (a parser made stricter) falls back to the
 * columns, as one rule, with a warning; empty cluster columns there mean every registered cluster.
 *
 * `startScan` resolves a rule's cluster (a name, as policies write them; an id is accepted too)
 * to the registered cluster and starts a `schedule` scan for the policy. `markRun` records the
 * run through `recordRun`, claiming it only while the stored next run is the one the scheduler
 * read, compared as the text stored, so of several processes exactly one runs it.
 */
export function createStoredPolicySchedule(options: StoredPolicyScheduleOptions): StoredPolicySchedule {
  const { stores, scans, logger } = options;
  /** The `nextRunAt` text last read per policy: the claim compares stored text. */
  const readNextRunAt = new Map<string, string>();
  const warned = new Set<string>();

  function policyOf(record: ScanPolicyRecord, clusters: readonly ClusterRecord[]): ScanPolicy {
    const parsed = parsePolicies(record.yaml, `scan policy ${record.name}`);
    const named =
      parsed.errors.length === 0
        ? (parsed.policies.find((p) => p.name === record.name) ??
          (parsed.policies.length === 1 ? parsed.policies[0] : undefined))
        : undefined;
    if (named) return { ...named, name: record.name, enabled: record.enabled };
    const warning = `${record.id}@${record.updatedAt}`;
    if (!warned.has(warning)) {
      warned.add(warning);
      logger.warn(
        { policyId: record.id, policy: record.name, errors: parsed.errors.map((e) => e.reason) },
        "the stored YAML of a scan policy does not give that policy; scheduling it from its stored cadence and clusters",
      );
    }
    const clusterNames = record.clusters.length > 0 ? record.clusters : clusters.map((c) => c.id);
    return {
      name: record.name,
      description: "",
      enabled: record.enabled,
      rules: [
        {
          type: "schedule",
          cadence: record.cadence,
          timezone: record.timezone,
          scopes: clusterNames.map((cluster) => ({ cluster, namespaces: record.namespaces })),
        },
      ],
      actions: [{ scan: CLUSTER_IMAGE_SCANNING, severityThreshold: record.severityThreshold }],
    };
  }

  return {
    async policies(): Promise<PolicyState[]> {
      const [records, clusters] = await Promise.all([stores.policies.list(), stores.clusters.list()]);
      readNextRunAt.clear();
      return records.map((record) => {
        if (record.nextRunAt !== undefined) readNextRunAt.set(record.id, record.nextRunAt);
        return {
          id: record.id,
          policy: policyOf(record, clusters),
          ...(record.lastRunAt !== undefined ? { lastRunAt: new Date(record.lastRunAt) } : {}),
          ...(record.nextRunAt !== undefined ? { nextRunAt: new Date(record.nextRunAt) } : {}),
        };
      });
    },

    async startScan(policy, clusterName, namespaces, trigger) {
      const clusters = await stores.clusters.list();
      const cluster =
        clusters.find((c) => c.name === clusterName) ?? clusters.find((c) => c.id === clusterName);
      if (!cluster) {
        throw new Error(
          `policy '${policy.name}' names cluster '${clusterName}', which is not registered: add it, or fix the policy`,
        );
      }
      await scans.start({
        clusterId: cluster.id,
        scope: { namespaces },
        trigger: "schedule",
        policyId: trigger.policyId,
      });
    },

    async markRun(policyId, at, next, previous) {
      const read = readNextRunAt.get(policyId);
      const previousText =
        previous === undefined
          ? null
          : read !== undefined && Date.parse(read) === previous.getTime()
            ? read
            : previous.toISOString();
      const claimed = await stores.policies.recordRun(policyId, {
        ...(at ? { at: at.toISOString() } : {}),
        ...(next ? { nextRunAt: next.toISOString() } : {}),
        previousNextRunAt: previousText,
      });
      if (claimed) {
        if (next) readNextRunAt.set(policyId, next.toISOString());
        else readNextRunAt.delete(policyId);
      }
      return claimed;
    },
  };
}
