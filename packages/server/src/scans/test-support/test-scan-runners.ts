/**
 * The scan runners of a test of the runner itself, over the test cluster of
 * {@link TestCluster} and the real test registry.
 */
import { join } from "node:path";
import { pino } from "pino";
import { testEnv } from "../../../../../scripts/test-env/env.js";
import type { VigilDatabase } from "../../db/create-database.js";
import { createScanRunner, type ScanRunner, type ScanRunnerOptions } from "../scan-runner.js";
import { countingIds, kubeFrom, type TestCluster } from "./cluster-fixtures.js";

/** What each runner is built over (asked for each runner: the database and cluster change per test). */
export interface TestScanRunnerBase {
  readonly database: VigilDatabase;
  readonly cluster: TestCluster;
  readonly clock: ScanRunnerOptions["clock"];
}

/**
 * Runners reading the cluster through its kubeconfig, caching in its directory, trusting the
 * test registry's CA and logging nothing, each with ids of its own (`r1-1`, … then `r2-1`, …),
 * as `overrides` do not say otherwise. `stopAll` (after each test) stops every runner made.
 */
export function testScanRunners(base: () => TestScanRunnerBase) {
  const runners: ScanRunner[] = [];
  return {
    create(overrides: Partial<ScanRunnerOptions> = {}): ScanRunner {
      const { database, cluster, clock } = base();
      const runner = createScanRunner({
        database,
        kube: kubeFrom(cluster.kubeconfig),
        clock,
        ids: countingIds(`r${runners.length + 1}`),
        cacheDir: join(cluster.dir, "cache"),
        registry: { caFile: testEnv().registryCaFile },
        logger: pino({ level: "silent" }),
        ...overrides,
      });
      runners.push(runner);
      return runner;
    },
    async stopAll(): Promise<void> {
      for (const runner of runners.splice(0)) await runner.stop();
    },
  };
}
