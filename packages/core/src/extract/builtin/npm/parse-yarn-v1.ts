import type { ExtractorIssue } from "../../extractor.js";

/** One entry of a classic yarn.lock: the descriptors it resolves and its fields. */
export interface YarnV1Entry {
  /** 1-based line of the entry's header (`"a@^1", a@^1.1:`). */
  readonly line: number;
  /** The descriptors of the header, unquoted: `a@^1`, `@s/b@npm:c@^2`. */
  readonly descriptors: readonly string[];
  /** Top-level fields (`version`, `resolved`, `integrity`), unquoted; nested blocks are skipped. */
  readonly fields: ReadonlyMap<string, string>;
}

/**
 * Parse yarn 1's lockfile, a YAML-like format of its own
 * (https://classic.yarnpkg.com/lang/en/docs/yarn-lock/): unindented headers that end
 * with `:`, then two-space indented `key value` fields; deeper blocks (`dependencies:`)
 * list ranges, not installed packages, and are skipped. A line that fits none of this is
 * an issue and the parser goes on.
 */
export function parseYarnV1(text: string): { entries: YarnV1Entry[]; issues: ExtractorIssue[] } {
  const entries: YarnV1Entry[] = [];
  const issues: ExtractorIssue[] = [];
  let current: { line: number; descriptors: string[]; fields: Map<string, string> } | undefined;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    if (raw.trim() === "" || raw.trimStart().startsWith("#")) continue;
    const indent = raw.length - raw.trimStart().length;
    if (indent === 0) {
      if (!raw.endsWith(":")) {
        issues.push({
          severity: "warning",
          code: "yarn-lock-bad-line",
          message: `yarn.lock line is neither an entry header nor a field: ${raw.slice(0, 80)}`,
          line: i + 1,
        });
        current = undefined;
        continue;
      }
      current = { line: i + 1, descriptors: splitDescriptors(raw.slice(0, -1)), fields: new Map() };
      entries.push(current);
      continue;
    }
    if (!current || indent !== 2) continue;
    const field = /^\s+("(?:[^"\\]|\\.)*"|[^\s:]+):?\s+(.*)$/.exec(raw);
    if (field) current.fields.set(unquote(field[1]!), unquote(field[2]!.trim()));
  }
  return { entries, issues };
}

function splitDescriptors(header: string): string[] {
  return header
    .split(/,\s*/)
    .map((d) => unquote(d.trim()))
    .filter((d) => d !== "");
}

function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    try {
      return JSON.parse(value) as string;
    } catch {
      return value.slice(1, -1);
    }
  }
  return value;
}
