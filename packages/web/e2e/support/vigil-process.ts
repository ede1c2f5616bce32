/**
 * `vigil serve` as `npm start` runs it (the built bin, embedded SQLite in its data directory,
 * the built web UI), for the UI's end-to-end tests.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";

const main = join(import.meta.dirname, "../../../cli/dist/main.js");

/** A running `vigil serve`. */
export interface VigilServe {
  readonly url: string;
  readonly child: ChildProcess;
  stderr(): string;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

/** Starts `vigil serve` on a free loopback port with `dataDir`, reading clusters through `kubeconfig`. */
export async function startVigilServe(options: {
  readonly dataDir: string;
  readonly cacheDir: string;
  readonly kubeconfig: string;
  readonly home: string;
}): Promise<VigilServe> {
  const child = spawn(
    process.execPath,
    [
      main,
      "serve",
      "--port",
      "0",
      "--host",
      "127.0.0.1",
      "--no-advisory-update",
      "--kubeconfig",
      options.kubeconfig,
    ],
    {
      env: {
        ...process.env,
        VIGIL_DATA_DIR: options.dataDir,
        VIGIL_CACHE_DIR: options.cacheDir,
        DATABASE_URL: "",
        KUBECONFIG: "",
        HOME: options.home,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  child.stdout!.resume();
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`vigil serve printed no URL within 30 s: ${stderr}`)),
      30_000,
    );
    const check = () => {
      const found = /serving (http:\/\/\S+) /.exec(stderr)?.[1];
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    };
    child.stderr!.on("data", check);
    child.once("close", (code) => {
      clearTimeout(timer);
      reject(new Error(`vigil serve exited (${code}) before serving: ${stderr}`));
    });
  });
  return {
    url,
    child,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
