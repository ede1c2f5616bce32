/**
 * Runs a job of a GitLab CI template the way a shell runner would, for the templates' tests:
 * the template's variables (global, then the job's) under the project's and GitLab's
 * predefined ones, expanded as GitLab expands `$NAME` in variable values, and the job's
 * `script` lines in one shell with `set -e`.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { parse } from "yaml";

/** The parts of a GitLab CI job the tests read. */
export interface GitlabCiJob {
  readonly stage?: string;
  readonly image?: string | { readonly name: string; readonly entrypoint?: readonly string[] };
  readonly variables?: Readonly<Record<string, string>>;
  readonly script: readonly string[];
  readonly artifacts?: {
    readonly when?: string;
    readonly reports?: Readonly<Record<string, string>>;
    readonly paths?: readonly string[];
  };
  readonly allow_failure?: boolean | { readonly exit_codes: readonly number[] };
  readonly needs?: readonly (
    | string
    | { readonly job: string; readonly artifacts?: boolean; readonly optional?: boolean }
  )[];
  readonly cache?: { readonly key?: string; readonly paths?: readonly string[] };
  readonly rules?: readonly { readonly if?: string; readonly when?: string }[];
}

/** A template: global `variables` and jobs by name (keys that are not jobs are left out). */
export interface GitlabCiTemplate {
  readonly variables: Readonly<Record<string, string>>;
  readonly jobs: Readonly<Record<string, GitlabCiJob>>;
}

/** GitLab's global keywords: every other top-level key of a CI file is a job. */
const GLOBAL_KEYWORDS = new Set([
  "default",
  "include",
  "stages",
  "variables",
  "workflow",
  "image",
  "services",
  "cache",
  "before_script",
  "after_script",
]);

/** Reads a CI template file; hidden keys (`.name`) are templates for `extends`, not jobs. */
export function readGitlabCiTemplate(path: string): GitlabCiTemplate {
  const document = parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  const jobs = Object.fromEntries(
    Object.entries(document).filter(([key]) => !GLOBAL_KEYWORDS.has(key) && !key.startsWith(".")),
  ) as Record<string, GitlabCiJob>;
  return { variables: (document.variables ?? {}) as Record<string, string>, jobs };
}

/**
 * The environment a job's script sees: the template's global variables, then the job's, then
 * `given` (GitLab's predefined variables and the project's CI/CD variables, which take
 * precedence over both), each value with `$NAME` and `${NAME}` expanded from the others as
 * GitLab does; an unknown name, or one that refers back to itself, is left as written.
 */
export function jobEnvironment(
  template: GitlabCiTemplate,
  jobName: string,
  given: Readonly<Record<string, string>>,
): Record<string, string> {
  const job = template.jobs[jobName];
  if (!job) throw new Error(`the template has no job ${jobName}`);
  const merged: Record<string, string> = { ...template.variables, ...job.variables, ...given };
  const expand = (value: string, seen: ReadonlySet<string>): string =>
    value.replace(/\$(?:\{(\w+)\}|(\w+))/g, (written: string, braced?: string, plain?: string) => {
      const name = (braced ?? plain)!;
      const inner = merged[name];
      if (inner === undefined || seen.has(name)) return written;
      return expand(String(inner), new Set([...seen, name]));
    });
  return Object.fromEntries(
    Object.entries(merged).map(([name, value]) => [name, expand(String(value), new Set([name]))]),
  );
}

/** How a job's script ended. */
export interface JobRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a job's `script` lines in one `shell` process (`sh` or `bash`) in `cwd`, with `env` as
 * its whole environment (PATH from this process unless `env` sets it), stopping at the first
 * failing line as a runner does. Asynchronous: the servers the script talks to may answer on
 * this process's event loop.
 */
export function runJobScript(
  job: GitlabCiJob,
  options: {
    readonly shell: "sh" | "bash";
    readonly cwd: string;
    readonly env: Readonly<Record<string, string>>;
  },
): Promise<JobRun> {
  const prelude = options.shell === "bash" ? "set -eo pipefail" : "set -e";
  const script = [prelude, ...job.script].join("\n");
  return new Promise((resolve, reject) => {
    const child = spawn(options.shell, ["-c", script], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 180_000,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
