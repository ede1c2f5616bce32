// Helper of workers.mjs: the in-process scan runner in a process of its own (as `vigil serve`
// runs it), so that it competes for the CPU exactly as a `vigil worker` does. Scans the
// clusters named in argv on DATABASE_URL, one at a time, and prints the seconds taken.
import { join } from "node:path";
import { repoRoot } from "./lib.mjs";

const [kubeconfig, ...clusterIds] = process.argv.slice(2);
const server = await import(join(repoRoot, "packages/server/dist/index.js"));
const { pino } = await import("pino");
const database = server.createDatabase({ url: process.env.DATABASE_URL });
const runner = server.createScanRunner({
  database,
  kube: (cluster) =>
    server.createKubernetesClientReader(
      server.loadKubeConfig({ kubeconfigPath: kubeconfig, context: cluster.kubeconfigContext }).kubeConfig,
    ),
  logger: pino({ level: "silent" }),
  recover: false,
});
const started = performance.now();
for (const clusterId of clusterIds) {
  await runner.start({ clusterId, scope: { namespaces: [clusterId] }, trigger: "manual" });
}
await runner.idle();
process.stdout.write(`${(performance.now() - started) / 1000}\n`);
await runner.stop();
await database.close();
