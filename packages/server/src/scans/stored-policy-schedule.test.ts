import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { DIALECTS } from "../db/test-support/test-databases.js";
import { createClusterRepository } from "../store/cluster-repository.js";
import { createScanPolicyRepository, type ScanPolicyFields } from "../store/scan-policy-repository.js";
import { addClusters, at } from "../store/test-support/store-fixtures.js";
import { useStoreTestDatabase } from "../store/test-support/store-test-database.js";
import type { ScanService, StartScanRequest } from "./scan-service.js";
import { createStoredPolicySchedule } from "./stored-policy-schedule.js";

const silent = pino({ level: "silent" });

const TWO_RULES = `
name: nightly
rules:
  - type: schedule
    cadence: '0 2 * * *'
    clusters: [prod-eu]
    namespaces: [shop]
  - type: schedule
    cadence: '0 */4 * * *'
    timezone: Europe/Berlin
    clusters: [staging]
actions:
  - scan: cluster_image_scanning
`;

function fields(overrides: Partial<ScanPolicyFields> = {}): ScanPolicyFields {
  return {
    name: "nightly",
    enabled: true,
    cadence: "0 2 * * *",
    timezone: "UTC",
    clusters: ["prod-eu"],
    namespaces: ["shop"],
    severityThreshold: "high",
    yaml: TWO_RULES,
    ...overrides,
  };
}

function recordingService(): ScanService & { readonly started: StartScanRequest[] } {
  const started: StartScanRequest[] = [];
  return {
    started,
    async start(request) {
      started.push(request);
      return {
        id: `s${started.length}`,
        clusterId: request.clusterId,
        trigger: request.trigger,
        scope: request.scope,
        status: "queued",
        createdAt: at(0),
      };
    },
    async cancel() {
      return false;
    },
  };
}

describe.each(DIALECTS)("stored policies for the scheduler on %s", (dialect) => {
  const database = useStoreTestDatabase(dialect);

  it("reads every rule from the stored YAML, with the row's name and enabled flag", async () => {
    const policies = createScanPolicyRepository(database.current.db);
    await policies.create({ id: "p1", createdAt: at(0), ...fields({ enabled: false, nextRunAt: at(5) }) });
    const schedule = createStoredPolicySchedule({
      stores: { policies, clusters: createClusterRepository(database.current.db) },
      scans: recordingService(),
      logger: silent,
    });
    const [state] = await schedule.policies();
    expect(state).toMatchObject({ id: "p1", nextRunAt: new Date(at(5)) });
    expect(state?.policy.enabled).toBe(false);
    expect(state?.policy.rules.map((r) => [r.cadence, r.timezone, r.scopes])).toEqual([
      ["0 2 * * *", "UTC", [{ cluster: "prod-eu", namespaces: ["shop"] }]],
      ["0 */4 * * *", "Europe/Berlin", [{ cluster: "staging", namespaces: [] }]],
    ]);
  });

  it("falls back to the stored columns when the YAML does not give the policy; no clusters is every cluster", async () => {
    await addClusters(database.current.db, "prod-eu", "prod-us");
    const policies = createScanPolicyRepository(database.current.db);
    await policies.create({
      id: "p1",
      createdAt: at(0),
      ...fields({ yaml: "rules: [", clusters: [], namespaces: ["web"], cadence: "*/15 * * * *" }),
    });
    const schedule = createStoredPolicySchedule({
      stores: { policies, clusters: createClusterRepository(database.current.db) },
      scans: recordingService(),
      logger: silent,
    });
    const [state] = await schedule.policies();
    expect(state?.policy.rules).toEqual([
      {
        type: "schedule",
        cadence: "*/15 * * * *",
        timezone: "UTC",
        scopes: [
          { cluster: "prod-eu", namespaces: ["web"] },
          { cluster: "prod-us", namespaces: ["web"] },
        ],
      },
    ]);
  });

  it("starts a schedule scan of the cluster a rule names, and claims each run once", async () => {
    const clusters = createClusterRepository(database.current.db);
    await clusters.upsert({
      id: "arn-aws-eks-prod",
      name: "prod-eu",
      connectionKind: "kubeconfig",
      kubeconfigContext: "arn:aws:eks:prod",
      createdAt: at(0),
    });
    const policies = createScanPolicyRepository(database.current.db);
    // stored by another writer without milliseconds: the claim compares the stored text
    await policies.create({ id: "p1", createdAt: at(0), ...fields({ nextRunAt: "2024-06-01T02:00:00Z" }) });
    const scans = recordingService();
    const schedule = createStoredPolicySchedule({ stores: { policies, clusters }, scans, logger: silent });
    const [state] = await schedule.policies();
    const trigger = {
      kind: "schedule" as const,
      scheduledFor: state!.nextRunAt!,
      firedAt: new Date(at(121)),
      policyId: "p1",
      policyName: "nightly",
      rules: [0],
    };
    expect(await schedule.markRun("p1", new Date(at(121)), new Date(at(1440)), state!.nextRunAt)).toBe(true);
    // a second process that read the same next run does not get it
    expect(await schedule.markRun("p1", new Date(at(121)), new Date(at(1440)), state!.nextRunAt)).toBe(false);
    expect(await policies.get("p1")).toMatchObject({ lastRunAt: at(121), nextRunAt: at(1440) });

    await schedule.startScan(state!.policy, "prod-eu", ["shop"], trigger);
    expect(scans.started).toEqual([
      { clusterId: "arn-aws-eks-prod", scope: { namespaces: ["shop"] }, trigger: "schedule", policyId: "p1" },
    ]);
    await expect(schedule.startScan(state!.policy, "staging", [], trigger)).rejects.toThrow(
      /names cluster 'staging', which is not registered/,
    );
  });
});
