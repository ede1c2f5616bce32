import { describe, expect, it } from "vitest";
import { DIALECTS } from "../db/test-support/test-databases.js";
import { addClusters, at } from "./test-support/store-fixtures.js";
import { useStoreTestDatabase } from "./test-support/store-test-database.js";
import {
  createWorkloadContainerRepository,
  type WorkloadContainerRecord,
} from "./workload-container-repository.js";

function container(fields: Partial<WorkloadContainerRecord> = {}): WorkloadContainerRecord {
  return {
    clusterId: "c1",
    namespace: "shop",
    workloadKind: "Deployment",
    workloadName: "web",
    containerName: "app",
    digest: "sha256:aaaa",
    image: "registry.local/web:1",
    runningSince: at(0),
    lastSeenAt: at(10),
    ...fields,
  };
}

describe.each(DIALECTS)("workload container repository on %s", (dialect) => {
  const t = useStoreTestDatabase(dialect);
  const containers = () => createWorkloadContainerRepository(t.current.db);

  it("upserts what a scan saw: one row per workload container, running since the digest's first start", async () => {
    await addClusters(t.current.db, "c1", "c2");
    await containers().upsert([
      // three replicas of one container, started at different times
      container({ runningSince: at(3) }),
      container({ runningSince: at(1) }),
      container({ runningSince: undefined }),
      container({
        containerName: "sidecar",
        digest: "sha256:cccc",
        image: "envoy:1",
        runningSince: undefined,
      }),
      container({
        namespace: "billing",
        workloadKind: "StatefulSet",
        workloadName: "db",
        digest: "sha256:dddd",
      }),
      container({ clusterId: "c2" }),
    ]);
    expect(await containers().list("c1")).toEqual([
      container({
        namespace: "billing",
        workloadKind: "StatefulSet",
        workloadName: "db",
        digest: "sha256:dddd",
      }),
      container({ runningSince: at(1) }),
      container({
        containerName: "sidecar",
        digest: "sha256:cccc",
        image: "envoy:1",
        runningSince: undefined,
      }),
    ]);

    // the next scan: the same digest restarted later keeps its first start; a new digest starts again;
    // a start now known for the sidecar is taken
    await containers().upsert([
      container({ runningSince: at(50), lastSeenAt: at(60) }),
      container({
        workloadKind: "StatefulSet",
        namespace: "billing",
        workloadName: "db",
        digest: "sha256:eeee",
        runningSince: at(55),
        lastSeenAt: at(60),
      }),
      container({
        containerName: "sidecar",
        digest: "sha256:cccc",
        image: "envoy:1",
        runningSince: at(40),
        lastSeenAt: at(60),
      }),
    ]);
    expect(await containers().list("c1")).toEqual([
      container({
        namespace: "billing",
        workloadKind: "StatefulSet",
        workloadName: "db",
        digest: "sha256:eeee",
        runningSince: at(55),
        lastSeenAt: at(60),
      }),
      container({ runningSince: at(1), lastSeenAt: at(60) }),
      container({
        containerName: "sidecar",
        digest: "sha256:cccc",
        image: "envoy:1",
        runningSince: at(40),
        lastSeenAt: at(60),
      }),
    ]);
    expect((await containers().list("c1", { namespaces: ["billing"] })).map((c) => c.workloadName)).toEqual([
      "db",
    ]);
    expect((await containers().list("c1", { digest: "sha256:cccc" })).map((c) => c.containerName)).toEqual([
      "sidecar",
    ]);
    expect(await containers().list("c1", { namespaces: [] })).toEqual([]);
    expect(await containers().list("c2")).toEqual([container({ clusterId: "c2" })]);
  });

  it("forgets containers a later scan no longer saw, within its namespaces", async () => {
    await addClusters(t.current.db, "c1", "c2");
    await containers().upsert([
      container({ workloadName: "old", lastSeenAt: at(10) }),
      container({ workloadName: "current", lastSeenAt: at(60) }),
      container({ namespace: "billing", workloadName: "old", lastSeenAt: at(10) }),
      container({ clusterId: "c2", workloadName: "old", lastSeenAt: at(10) }),
    ]);
    expect(await containers().removeNotSeenSince("c1", at(50), { namespaces: ["shop"] })).toBe(1);
    expect((await containers().list("c1")).map((c) => `${c.namespace}/${c.workloadName}`)).toEqual([
      "billing/old",
      "shop/current",
    ]);
    expect(await containers().removeNotSeenSince("c1", at(50), { namespaces: [] })).toBe(0);
    expect(await containers().removeNotSeenSince("c1", at(50))).toBe(1);
    expect(await containers().list("c2")).toHaveLength(1);
  });
});
