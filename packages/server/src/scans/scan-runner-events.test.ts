import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { osv } from "../db/test-support/sync-fixtures.js";
import { DIALECTS, useTestDatabase } from "../db/test-support/test-databases.js";
import { eventsOfScan, type FinishedRematch, type FinishedScan } from "../notify/event-builders.js";
import type { ScanEventSink } from "../notify/scan-event-sink.js";
import type { ScanRunner } from "./scan-runner.js";
import { createScanStores, type ScanStores } from "./scan-stores.js";
import {
  kubeconfigCluster,
  MUSL_CVE,
  OPENSSL_CVE,
  settableClock,
  startTestCluster,
  type TestCluster,
  writeAdvisories,
} from "./test-support/cluster-fixtures.js";
import { testScanRunners } from "./test-support/test-scan-runners.js";

// What the runner tells its events sink (notifications): only what its transactions committed.
const T0 = "2024-06-03T10:00:00.000Z";

/** A sink that records what it is told. */
function recordingSink(): ScanEventSink & { scans: FinishedScan[]; rematches: FinishedRematch[] } {
  const scans: FinishedScan[] = [];
  const rematches: FinishedRematch[] = [];
  return {
    scans,
    rematches,
    scanFinished: (scan) => void scans.push(scan),
    rematched: (rematch) => void rematches.push(rematch),
  };
}

describe.each(DIALECTS)("the scan runner's events on %s", (dialect) => {
  const database = useTestDatabase(dialect);
  let cluster: TestCluster;
  let stores: ScanStores;
  const runners = testScanRunners(() => ({ database: database.current, cluster, clock: settableClock(T0) }));

  beforeEach(async () => {
    cluster = await startTestCluster({ tmpPrefix: "vigil-runner-events-" });
    stores = createScanStores(database.current.db);
    await stores.clusters.upsert(kubeconfigCluster("prod-eu", T0));
    await writeAdvisories(stores.advisories, [OPENSSL_CVE, MUSL_CVE]);
  });

  afterEach(async () => {
    await runners.stopAll();
    await cluster.close();
  });

  const newRunner = runners.create;
  const scan = async (runner: ScanRunner) => {
    const queued = await runner.start({ clusterId: "prod-eu", scope: { namespaces: [] }, trigger: "manual" });
    return (await runner.finished(queued.id))!;
  };

  it("tells the findings a scan created as stored, nothing for a scan that found nothing new, and a re-match's additions", async () => {
    const sink = recordingSink();
    const runner = newRunner({ events: sink });
    const first = await scan(runner);
    expect(first.status).toBe("complete");
    expect(sink.scans).toHaveLength(1);
    const stored = await stores.findings.loadForReconcile("prod-eu");
    expect(stored).toHaveLength(4);
    expect(sink.scans[0]).toMatchObject({ scanId: first.id, clusterId: "prod-eu", status: "complete" });
    expect(sink.scans[0]!.notices.map((n) => [n.change, n.id]).sort()).toEqual(
      stored.map((f) => ["created", f.id]).sort(),
    );

    await scan(runner);
    expect(sink.scans[1]).toMatchObject({ status: "complete", notices: [] });

    await writeAdvisories(stores.advisories, [
      OPENSSL_CVE,
      MUSL_CVE,
      osv("CVE-2099-0009", { affected: [["Alpine:v3.10", "busybox"]] }),
    ]);
    const report = await runner.rematch();
    expect(sink.rematches).toHaveLength(1);
    const [rematch] = sink.rematches;
    expect(rematch!.revision).toBe(report.revision);
    const added = (await stores.findings.loadForReconcile("prod-eu")).filter(
      (f) => f.identity.advisoryId === "CVE-2099-0009",
    );
    expect(added.length).toBeGreaterThan(0);
    expect(rematch!.notices.map((n) => [n.change, n.id]).sort()).toEqual(
      added.map((f) => ["created", f.id]).sort(),
    );

    // nothing changed since: a re-match tells nothing
    await runner.rematch({ packages: [{ ecosystem: "Alpine", name: "busybox" }] });
    expect(sink.rematches).toHaveLength(1);
  });

  it("tells what a re-match committed even when a later step of it fails", async () => {
    const sink = recordingSink();
    const first = newRunner();
    await scan(first);
    await first.stop();
    const base = createScanStores(database.current.db);
    const runner = newRunner({
      events: sink,
      stores: {
        images: {
          ...base.images,
          // the findings are committed first, then the image's new matches fail to store
          updateMatches: async () => {
            throw new Error("the disk is full");
          },
        },
      },
    });
    await writeAdvisories(stores.advisories, [
      OPENSSL_CVE,
      MUSL_CVE,
      osv("CVE-2099-0009", { affected: [["Alpine:v3.10", "busybox"]] }),
    ]);
    await expect(runner.rematch()).rejects.toThrow("the disk is full");
    const added = (await stores.findings.loadForReconcile("prod-eu")).filter(
      (f) => f.identity.advisoryId === "CVE-2099-0009",
    );
    expect(added.length).toBeGreaterThan(0);
    expect(sink.rematches).toHaveLength(1);
    expect(sink.rematches[0]!.notices.map((n) => n.id).sort()).toEqual(added.map((f) => f.id).sort());
  });

  it("tells only the failure of a scan whose findings transaction failed: nothing it did not commit", async () => {
    const sink = recordingSink();
    const base = createScanStores(database.current.db);
    const runner = newRunner({
      events: sink,
      stores: {
        findings: {
          ...base.findings,
          applyChanges: async () => {
            throw new Error("the disk is full");
          },
        },
      },
    });
    const failed = await scan(runner);
    expect(failed.status).toBe("failed");
    expect(await stores.findings.loadForReconcile("prod-eu")).toEqual([]);
    expect(sink.scans).toEqual([
      {
        scanId: failed.id,
        clusterId: "prod-eu",
        status: "failed",
        error: "the scan ran but its results could not be stored: the disk is full",
        // an image the loaded machine failed to pull would be listed here; the findings write fails regardless
        failures: expect.any(Array),
        notices: [],
      },
    ]);
    let n = 0;
    const events = eventsOfScan(sink.scans[0]!, { newId: () => `e${++n}`, at: T0 });
    expect(events.map((e) => e.type)).toEqual(["scan.failed"]);
  });
});
