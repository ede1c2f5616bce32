import type { FindingState, SeverityLevel } from "@vigil/core";
import { type Expression, type SqlBool, sql } from "kysely";
import type { FindingReportType } from "./finding-record.js";
import { severityRank } from "./finding-rows.js";
import { type FindingsBuilder, findingTextCondition, type findingTextValues } from "./finding-text-search.js";
import type { KeysetColumn } from "./keyset.js";

/**
 * Which findings a query or count covers. Every given condition must hold; a list matches
 * any of its values, and an empty list matches nothing.
 */
export interface FindingFilter {
  readonly reportType?: FindingReportType;
  readonly clusterIds?: readonly string[];
  readonly namespaces?: readonly string[];
  readonly workloadKind?: string;
  readonly workloadName?: string;
  readonly containerName?: string;
  readonly imageDigest?: string;
  /** Exact package names. */
  readonly packageNames?: readonly string[];
  readonly severities?: readonly SeverityLevel[];
  readonly states?: readonly FindingState[];
  readonly fixable?: boolean;
  readonly kev?: boolean;
  readonly project?: string;
  readonly branch?: string;
  /**
   * A substring of the advisory id or the package name, case-insensitively (ASCII case, as
   * `lower()` folds it on both dialects); `%` and `_` are literal. A complete CVE or GHSA id
   * matches that advisory exactly (so `CVE-2024-1234` does not also find `CVE-2024-12345`).
   */
  readonly text?: string;
}

/** What a list of findings is sorted by: most severe, most recently seen, or newest first. */
export type FindingSort = "severity" | "last_seen" | "first_seen";

/** The keyset of each sort, in its descending form; the id makes the order total. */
export const FINDING_SORT_KEYS: Readonly<Record<FindingSort, readonly KeysetColumn[]>> = {
  severity: [
    { column: "severity_rank", direction: "desc" },
    { column: "last_seen", direction: "desc" },
    { column: "id", direction: "desc" },
  ],
  last_seen: [
    { column: "last_seen", direction: "desc" },
    { column: "id", direction: "desc" },
  ],
  first_seen: [
    { column: "first_seen", direction: "desc" },
    { column: "id", direction: "desc" },
  ],
};

/** The keyset of `sort` in `direction` (ascending reverses every column). */
export function findingSortKeys(sort: FindingSort, direction: "asc" | "desc"): readonly KeysetColumn[] {
  const keys = FINDING_SORT_KEYS[sort];
  if (direction === "desc") return keys;
  return keys.map((k) => ({ column: k.column, direction: k.direction === "desc" ? "asc" : "desc" }));
}

/**
 * The filter as one condition on `findings` (`true` when it has no conditions). A substring
 * search reads only the findings that hold one of `textValues` when given
 * ({@link findingTextValues} of {@link searchedSubstring}), else compares every row the other
 * conditions allow.
 */
export function findingFilterCondition(
  eb: FindingsBuilder,
  filter: FindingFilter,
  textValues?: readonly string[],
): Expression<SqlBool> {
  const terms: Expression<SqlBool>[] = [];
  const nothing = sql<SqlBool>`1 = 0`;
  const among = (column: "cluster_id" | "namespace" | "package_name" | "state", values: readonly string[]) =>
    values.length === 0 ? nothing : eb(eb.ref(column), "in", [...values]);
  if (filter.reportType !== undefined) terms.push(eb("report_type", "=", filter.reportType));
  if (filter.clusterIds !== undefined) terms.push(among("cluster_id", filter.clusterIds));
  if (filter.namespaces !== undefined) terms.push(among("namespace", filter.namespaces));
  if (filter.workloadKind !== undefined) terms.push(eb("workload_kind", "=", filter.workloadKind));
  if (filter.workloadName !== undefined) terms.push(eb("workload_name", "=", filter.workloadName));
  if (filter.containerName !== undefined) terms.push(eb("container_name", "=", filter.containerName));
  if (filter.imageDigest !== undefined) terms.push(eb("image_digest", "=", filter.imageDigest));
  if (filter.packageNames !== undefined) terms.push(among("package_name", filter.packageNames));
  if (filter.severities !== undefined) {
    const ranks = [...new Set(filter.severities.map(severityRank))];
    terms.push(ranks.length === 0 ? nothing : eb("severity_rank", "in", ranks));
  }
  if (filter.states !== undefined) terms.push(among("state", filter.states));
  if (filter.fixable !== undefined) terms.push(eb("fixable", "=", filter.fixable ? 1 : 0));
  if (filter.kev !== undefined) terms.push(eb("kev", "=", filter.kev ? 1 : 0));
  if (filter.project !== undefined) terms.push(eb("project", "=", filter.project));
  if (filter.branch !== undefined) terms.push(eb("branch", "=", filter.branch));
  const exactId = filter.text === undefined ? undefined : completeAdvisoryId(filter.text);
  const substring = searchedSubstring(filter);
  if (exactId !== undefined) {
    // A whole CVE or GHSA id is looked up exactly, through the advisory id index: a substring
    // search reads every finding the other filters allow (seconds over a million findings).
    terms.push(eb("advisory_id", "=", exactId));
  } else if (substring !== undefined) {
    terms.push(findingTextCondition(eb, substring, textValues));
  }
  return eb.and(terms);
}

/** The filter's text when it is searched as a substring (not empty, not a complete CVE or GHSA id). */
export function searchedSubstring(filter: FindingFilter): string | undefined {
  const text = filter.text;
  return text === undefined || text === "" || completeAdvisoryId(text) !== undefined ? undefined : text;
}

/**
 * A complete CVE or GHSA identifier, in the case advisories spell it (`CVE-2024-3094`,
 * `GHSA-jf85-cpcp-j695`), or undefined for any other text (which is searched as a substring).
 */
export function completeAdvisoryId(text: string): string | undefined {
  const trimmed = text.trim();
  if (/^cve-\d{4}-\d{4,}$/i.test(trimmed)) return trimmed.toUpperCase();
  if (/^ghsa(-[0-9a-z]{4}){3}$/i.test(trimmed)) return `GHSA${trimmed.slice(4).toLowerCase()}`;
  return undefined;
}
