/**
 * Runs the built `vigil` bin as users run it, for the CLI's end-to-end tests against servers in
 * the test's own process (the test Kubernetes API server, registry proxies).
 */
import { spawn } from "node:child_process";
import { join } from "node:path";

const main = join(import.meta.dirname, "../../dist/main.js");

/** How a run of the bin ended and what it printed. */
export interface VigilRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** From the spawn to the exit. */
  readonly seconds: number;
}

/**
 * Runs `vigil <args>` in `work`, with its data and cache directories, and HOME, under `work`, and
 * neither DATABASE_URL nor KUBECONFIG from the environment (a run names what it reads). A hung
 * run is killed after two minutes.
 *
 * Asynchronous on purpose: the servers the run talks to answer on this process's event loop,
 * which spawnSync would block.
 */
export function spawnVigil(work: string, args: readonly string[]): Promise<VigilRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [main, ...args], {
      cwd: work,
      env: {
        ...process.env,
        VIGIL_DATA_DIR: join(work, "data"),
        VIGIL_CACHE_DIR: join(work, "cache"),
        DATABASE_URL: "",
        KUBECONFIG: "",
        HOME: work,
      },
      timeout: 120_000,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({ code, stdout, stderr, seconds: (performance.now() - started) / 1000 }),
    );
  });
}
