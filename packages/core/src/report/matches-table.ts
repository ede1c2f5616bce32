import { compareSeverity, SEVERITY_LEVELS, type SeverityLevel } from "../advisory/severity-level.js";
import type { ResolvedImage } from "../model/image.js";
import type { LocatedIssue } from "../model/issue.js";
import type { Match } from "../model/match.js";
import { renderIssueLines, renderTextTable } from "./text-table.js";

/** Options of {@link renderMatchesTable}. */
export interface MatchesTableOptions {
  readonly image: ResolvedImage;
  readonly matches: readonly Match[];
  readonly osLabel?: string;
  readonly issues?: readonly LocatedIssue[];
  /** Lines to print after the summary (suppressed findings, expired ignore rules ...). */
  readonly notes?: readonly string[];
}

/**
 * Findings for people: packages ordered by their worst severity, each package's
 * vulnerabilities most severe first with installed → fixed versions, then a summary line
 * with counts per severity and how many can be fixed by upgrading.
 */
export function renderMatchesTable(options: MatchesTableOptions): string {
  const { image, matches } = options;
  const byPackage = new Map<string, Match[]>();
  for (const m of matches) {
    const key = `${m.package.type}:${m.package.name}@${m.package.version} ${m.package.location.path}`;
    const list = byPackage.get(key) ?? [];
    byPackage.set(key, list);
    list.push(m);
  }
  const worst = (list: readonly Match[]) =>
    list.reduce<SeverityLevel>(
      (w, m) => (compareSeverity(m.severity.level, w) > 0 ? m.severity.level : w),
      "unknown",
    );
  const groups = [...byPackage.values()].sort(
    (a, b) => -compareSeverity(worst(a), worst(b)) || (a[0]!.package.name < b[0]!.package.name ? -1 : 1),
  );
  const rows: string[][] = [];
  for (const list of groups) {
    const sorted = [...list].sort(
      (a, b) => -compareSeverity(a.severity.level, b.severity.level) || (a.id < b.id ? -1 : 1),
    );
    sorted.forEach((m, i) => {
      rows.push([
        i === 0 ? m.package.name : "",
        i === 0 ? m.package.version : "",
        m.id,
        m.severity.level.toUpperCase() + (m.kev ? " KEV" : ""),
        m.status === "fixed"
          ? (m.fixedVersion ?? "")
          : m.status === "will-not-fix"
            ? "(will not fix)"
            : "(no fix yet)",
        truncate(m.summary ?? "", 60),
      ]);
    });
  }
  const header = ["PACKAGE", "INSTALLED", "VULNERABILITY", "SEVERITY", "FIXED IN", "TITLE"];
  const counts = new Map<SeverityLevel, number>();
  for (const m of matches) counts.set(m.severity.level, (counts.get(m.severity.level) ?? 0) + 1);
  const levels = [...SEVERITY_LEVELS].reverse().filter((l) => counts.has(l));
  const fixable = matches.filter((m) => m.status === "fixed").length;
  const summary =
    matches.length === 0
      ? "No known vulnerabilities found."
      : `${matches.length} vulnerabilities (${levels.map((l) => `${counts.get(l)} ${l}`).join(", ")}); ${fixable} fixable by upgrading`;
  const out = [
    `${image.reference} (${image.manifestDigest})${options.osLabel ? `  ${options.osLabel}` : ""}`,
    "",
  ];
  if (rows.length > 0) out.push(...renderTextTable(header, rows), "");
  out.push(summary);
  for (const note of options.notes ?? []) out.push(note);
  out.push(...renderIssueLines(options.issues ?? []));
  return `${out.join("\n")}\n`;
}

function truncate(text: string, max: number): string {
  const one = text.replace(/\s+/g, " ").trim();
  return one.length <= max ? one : `${one.slice(0, max - 1)}…`;
}
