import type { ExtractorIssue } from "../../extractor.js";

/**
 * Parse an os-release(5) file: `KEY=value` lines with optional single or double quotes
 * and backslash escapes inside double quotes, `#` comments, blank lines. A line that is
 * not an assignment becomes an issue with its line number and the rest is still read.
 */
export function parseOsRelease(text: string): { fields: Map<string, string>; issues: ExtractorIssue[] } {
  const fields = new Map<string, string>();
  const issues: ExtractorIssue[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match) {
      issues.push({
        severity: "warning",
        code: "os-release-bad-line",
        message: `line is not a KEY=value assignment: ${JSON.stringify(line.slice(0, 80))}`,
        line: i + 1,
      });
      continue;
    }
    fields.set(match[1]!, unquote(match[2]!));
  }
  return { fields, issues };
}

function unquote(raw: string): string {
  const value = raw.trim();
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    return value.slice(1, -1).replace(/\\(["\\`$])/g, "$1");
  }
  if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) return value.slice(1, -1);
  return value;
}
