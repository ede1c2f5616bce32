// A process's resident set size as the kernel reports it: what the soak watches for growth.
import { readFileSync } from "node:fs";

/** VmRSS of `pid` in MiB, from /proc/<pid>/status; undefined once the process is gone. */
export function rssMiB(pid) {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}
