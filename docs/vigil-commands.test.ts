/**
 * The docs show `vigil` commands people run as written: every command they show must exist,
 * and every option it is given must be one that command's `--help` lists. Checked in the
 * shell blocks and inline code of the documents below, against the built CLI.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fencedBlocks, inlineCode } from "./test-support/fenced-blocks.js";

const root = join(import.meta.dirname, "..");
const vigilMain = join(root, "packages/cli/dist/main.js");

/** The documents whose commands are checked. */
const DOCUMENTS = [
  "README.md",
  "deploy/README.md",
  "docs/install.md",
  "docs/connect-a-cluster.md",
  "docs/policies.md",
  "docs/triage.md",
  "docs/air-gapped.md",
  "docs/scaling.md",
  "docs/permissions.md",
  "docs/notifications.md",
  "docs/limits.md",
  "docs/container-image.md",
  "docs/faults.md",
  "docs/fuzzing.md",
];

/** Commands of two words: `scan image`, `db import` … */
const GROUPS = new Set(["scan", "import", "db", "admin"]);
/** Groups whose subcommands share the group's help text (which lists them). */
const SHARED_HELP = new Set(["db", "admin"]);

/** One `vigil …` invocation found in a document. */
interface Invocation {
  readonly where: string;
  readonly command: string;
  readonly options: readonly string[];
}

/** The `vigil` invocations in one line of shell: after `vigil`, up to the next `|`, `;`, `&&`, `)` or comment. */
function invocationsIn(line: string, where: string): Invocation[] {
  const found: Invocation[] = [];
  const code = line.replace(/\s#.*$/, "");
  for (const segment of code.split(/\|\||&&|[|;()]/)) {
    const words = segment.trim().split(/\s+/);
    const at = words.indexOf("vigil");
    if (at === -1) continue;
    // `vigil` as a word in prose-like text ("vigil-reader") is not a command; an env assignment or npx may come first
    if (!words.slice(0, at).every((w) => /^[A-Z_]+=\S*$/.test(w) || w === "npx" || w === "$")) continue;
    const rest = words.slice(at + 1);
    const first = rest[0];
    if (first === undefined || first.startsWith("-")) {
      found.push({ where, command: "", options: rest.filter((w) => w.startsWith("--")) });
      continue;
    }
    const command = GROUPS.has(first) && rest[1] && !rest[1].startsWith("-") ? `${first} ${rest[1]}` : first;
    const options = rest.filter((w) => /^--[a-z]/.test(w)).map((w) => w.replace(/=.*$/, ""));
    found.push({ where, command, options });
  }
  return found;
}

/** Every invocation in a document: shell blocks (continued lines joined) and inline code. */
function invocationsOf(path: string): Invocation[] {
  const markdown = readFileSync(join(root, path), "utf8");
  const found: Invocation[] = [];
  for (const block of fencedBlocks(markdown)) {
    if (!["sh", "bash", "shell", "console", ""].includes(block.language)) continue;
    const lines = block.text.replace(/\\\n\s*/g, " ").split("\n");
    for (const [i, line] of lines.entries())
      found.push(...invocationsIn(line, `${path}:${block.line + 1 + i}`));
  }
  for (const span of inlineCode(markdown)) {
    if (/^(\S+=\S*\s+)*(npx\s+)?vigil\s/.test(span.text)) {
      found.push(...invocationsIn(span.text, `${path}:${span.line}`));
    }
  }
  return found;
}

const helpCache = new Map<string, { code: number | null; text: string }>();
/** `vigil COMMAND --help`, once per command. */
function helpOf(command: string): { code: number | null; text: string } {
  const key = SHARED_HELP.has(command.split(" ")[0]!) ? command.split(" ")[0]! : command;
  let help = helpCache.get(key);
  if (!help) {
    const args = key === "" ? ["--help"] : [...key.split(" "), "--help"];
    const run = spawnSync(process.execPath, [vigilMain, ...args], { encoding: "utf8", timeout: 30_000 });
    help = { code: run.status, text: `${run.stdout}${run.stderr}` };
    helpCache.set(key, help);
  }
  return help;
}

describe("vigil commands in the docs", () => {
  const all = DOCUMENTS.flatMap(invocationsOf);

  it("finds the commands to check", () => {
    expect(all.length).toBeGreaterThan(40);
    expect(new Set(all.map((i) => i.command.split(" ")[0]))).toEqual(
      new Set(["", "sbom", "scan", "import", "db", "serve", "admin", "agent", "worker", "version"]),
    );
  });

  it.each(DOCUMENTS)("%s runs only commands that exist, with options their --help lists", (path) => {
    const wrong: string[] = [];
    for (const { where, command, options } of invocationsOf(path)) {
      if (command === "version") continue;
      const help = helpOf(command);
      const [group, sub] = command.split(" ");
      const exists =
        help.code === 0 &&
        help.text.includes("Usage:") &&
        (!SHARED_HELP.has(group!) || sub === undefined || new RegExp(`^\\s+${sub}\\b`, "m").test(help.text));
      if (!exists) {
        wrong.push(`${where}: vigil ${command}: no such command`);
        continue;
      }
      for (const option of options) {
        if (!new RegExp(`(^|[\\s\\[(,])${option}(?![\\w-])`, "m").test(help.text)) {
          wrong.push(`${where}: vigil ${command} ${option}: not in its --help`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });
});
