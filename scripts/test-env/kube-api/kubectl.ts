import { type ChildProcess, execFile, spawn } from "node:child_process";

/** The result of one kubectl run. */
export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Where kubectl finds the cluster and keeps its discovery cache. */
export interface KubectlContext {
  readonly kubeconfig: string;
  /** kubectl's --cache-dir: a fresh one per test file keeps ~/.kube/cache free of random ports. */
  readonly cacheDir: string;
}

/** kubectl is missing; `npm test` installs Debian's kubernetes-client when it is. */
export class KubectlMissingError extends Error {
  constructor(options?: { cause?: unknown }) {
    super(
      "kubectl is not installed: apt-get install kubernetes-client (npm test installs it when run as root)",
      options,
    );
    this.name = "KubectlMissingError";
  }
}

function baseArgs(context: KubectlContext, args: readonly string[]): string[] {
  return ["--kubeconfig", context.kubeconfig, "--cache-dir", context.cacheDir, ...args];
}

/** Runs kubectl to completion; a non-zero exit is a result, not an exception. */
export function runKubectl(context: KubectlContext, args: readonly string[]): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    execFile(
      "kubectl",
      baseArgs(context, args),
      {
        maxBuffer: 64 * 1024 * 1024,
        timeout: 60_000,
        env: { ...process.env, KUBECONFIG: context.kubeconfig },
      },
      (error, stdout, stderr) => {
        if (error && (error as NodeJS.ErrnoException).code === "ENOENT") {
          reject(new KubectlMissingError({ cause: error }));
          return;
        }
        const code = error ? Number((error as { code?: unknown }).code ?? 1) : 0;
        resolve({ code: Number.isInteger(code) ? code : 1, stdout, stderr });
      },
    );
  });
}

/** A long-running kubectl (e.g. `get --watch`) whose output lines can be awaited. */
export interface KubectlProcess {
  readonly child: ChildProcess;
  /** Resolves with the first `count` stdout lines, or rejects after `timeoutMs` with what came. */
  lines(count: number, timeoutMs?: number): Promise<string[]>;
  /** Stops kubectl (SIGTERM to this child only) and waits for it to exit. */
  stop(): Promise<void>;
}

/** Starts kubectl without waiting for it to end. */
export function spawnKubectl(context: KubectlContext, args: readonly string[]): KubectlProcess {
  const child = spawn("kubectl", baseArgs(context, args), {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, KUBECONFIG: context.kubeconfig },
  });
  // "close", not "exit": by then stdout has been read to the end
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  let stderr = "";
  child.once("error", (error) => {
    stderr += `${error.message}\n`;
  });
  let stdout = "";
  const listeners = new Set<() => void>();
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    for (const listener of listeners) listener();
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const complete = () => stdout.split("\n").slice(0, -1);
  return {
    child,
    lines(count, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const lines = complete();
          if (lines.length < count) return;
          cleanup();
          resolve(lines.slice(0, count));
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(
              `kubectl gave ${complete().length} of ${count} lines in ${timeoutMs} ms:\n${stdout}${stderr}`,
            ),
          );
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        void exited.then(() => {
          if (listeners.has(check)) {
            cleanup();
            reject(
              new Error(
                `kubectl exited (${child.exitCode}) after ${complete().length} lines:\n${stdout}${stderr}`,
              ),
            );
          }
        });
        check();
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
