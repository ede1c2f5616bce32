/**
 * A long-running `vigil` process (serve, worker) for the CLI's end-to-end tests: its JSON log
 * lines, its stderr, its exit, and waits on them. Unlike spawnVigil (one run to its end), the
 * test talks to it while it runs and decides when it stops.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { join } from "node:path";

const main = join(import.meta.dirname, "../../dist/main.js");

/** A started `vigil` process. */
export interface VigilProcess {
  readonly args: readonly string[];
  readonly child: ChildProcessWithoutNullStreams;
  /** Its stdout's JSON log lines, parsed, in order. */
  readonly logs: Record<string, unknown>[];
  stderr(): string;
  /** Resolves with the exit code (`null` when a signal ended it). */
  readonly exited: Promise<number | null>;
  /** Polls `test` until it holds; fails after `timeoutMs` or when the process exits first. */
  waitFor(what: string, test: () => boolean, timeoutMs?: number): Promise<void>;
  /** True when a log line has message `msg` and every field of `fields`. */
  hasLog(msg: string, fields?: Record<string, unknown>): boolean;
}

/** Starts `vigil <args>` with `env` over this process's environment. */
export function startVigilProcess(args: readonly string[], env: NodeJS.ProcessEnv): VigilProcess {
  const child = spawn(process.execPath, [main, ...args], {
    env: { ...process.env, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = "";
  let partial = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    const lines = (partial + d).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line));
      } catch {
        // not a log line
      }
    }
  });
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  return {
    args,
    child,
    logs,
    stderr: () => stderr,
    exited,
    async waitFor(what, test, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!test()) {
        if (Date.now() > deadline || child.exitCode !== null) {
          throw new Error(
            `${args[0]}: no ${what} within ${timeoutMs} ms (exit ${child.exitCode}); stderr: ${stderr}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    hasLog: (msg, fields = {}) =>
      logs.some((l) => l.msg === msg && Object.entries(fields).every(([k, v]) => l[k] === v)),
  };
}

/** The URL `vigil serve` says it serves on (`vigil: serving http://… `). */
export async function servingUrl(server: VigilProcess): Promise<string> {
  let found: string | undefined;
  await server.waitFor("URL", () => {
    found = /serving (http:\/\/\S+) /.exec(server.stderr())?.[1];
    return found !== undefined;
  });
  return found as string;
}
