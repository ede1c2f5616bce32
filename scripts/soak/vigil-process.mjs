// `vigil serve` and `vigil worker` as child processes of the soak: their pid (for RSS), their
// JSON log lines counted by message, and every warning or error kept for the report.
import { spawn } from "node:child_process";
import { cliMain } from "../bench/lib.mjs";

/** pino's levels: warn is 40, error 50, fatal 60. */
const WARN = 40;

/** Starts `node main.js ...args` with `env` added; `ready` is a stderr pattern that says it started. */
export function startVigil(name, args, env, ready) {
  const child = spawn(process.execPath, [cliMain, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const running = {
    name,
    child,
    pid: child.pid,
    stderr: "",
    /** How many log lines carried each `msg`. */
    messages: new Map(),
    /** Log lines at warn level or above, as parsed. */
    problems: [],
    exited: new Promise((resolve) => child.on("close", (code, signal) => resolve(code ?? signal))),
    async started(timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      while (!ready.test(running.stderr)) {
        if (Date.now() > deadline || child.exitCode !== null) {
          throw new Error(`${name} did not start (exit ${child.exitCode}): ${running.stderr.slice(-2000)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return ready.exec(running.stderr);
    },
    /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code (or signal). */
    async stop(graceMs = 60_000) {
      if (child.exitCode !== null || child.signalCode !== null) return running.exited;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      const code = await running.exited;
      clearTimeout(timer);
      return code;
    },
  };
  let partial = "";
  child.stdout.setEncoding("utf8").on("data", (data) => {
    const lines = (partial + data).split("\n");
    partial = lines.pop();
    for (const line of lines) {
      let entry;
      try {
        entry = JSON.parse(line);
      } catch {
        continue; // not a log line
      }
      running.messages.set(entry.msg, (running.messages.get(entry.msg) ?? 0) + 1);
      if (entry.level >= WARN) running.problems.push(entry);
    }
  });
  child.stderr.setEncoding("utf8").on("data", (data) => {
    // keep the start line and the latest output, not 30 minutes of it
    running.stderr = (running.stderr + data).slice(-20_000);
  });
  return running;
}
