import type { LocatedIssue } from "../model/issue.js";

/** Aligned plain-text columns (two spaces apart, no trailing blanks): the header line, then one line a row. */
export function renderTextTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** Issues worth a person's attention (warnings and errors) as indented lines, with file and line. */
export function renderIssueLines(issues: readonly LocatedIssue[]): string[] {
  const problems = issues.filter((i) => i.severity !== "info");
  if (problems.length === 0) return [];
  return [
    `${problems.length} issues:`,
    ...problems.map((issue) => {
      const where = [
        issue.location.path,
        issue.location.line !== undefined ? `line ${issue.location.line}` : undefined,
      ]
        .filter(Boolean)
        .join(" ");
      return `  ${issue.severity}: ${issue.message}${where ? ` (${where})` : ""}`;
    }),
  ];
}
