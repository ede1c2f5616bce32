/** `error`: the document (or part of it) is rejected; `warning`: a part was ignored on purpose. */
export type PolicyIssueSeverity = "error" | "warning";

/**
 * A problem found in a policy document, located so that a person can go straight to it
 * (ARCHITECTURE.md section 8: bad data is an issue with its location, never a throw).
 */
export interface PolicyIssue {
  readonly severity: PolicyIssueSeverity;
  /** Stable, kebab-case: `yaml-syntax`, `unknown-field`, `bad-cadence` ... */
  readonly code: string;
  /** Where the document came from (file path, `api`, `configmap/vigil-policies`), as the caller named it. */
  readonly source: string;
  /** 1-based line of the offending node. */
  readonly line: number;
  /** 1-based column of the offending node (or of the bad field inside a cadence). */
  readonly column: number;
  /** Path of the offending node, e.g. `scan_execution_policy[0].rules[0].cadence`; empty for the whole document. */
  readonly path: string;
  /** One sentence for people: what is wrong and, where it helps, what to write instead. */
  readonly reason: string;
}

/** `policies.yml:12:14: scan_execution_policy[0].rules[0].cadence: <reason>`, for logs and the CLI. */
export function formatPolicyIssue(issue: PolicyIssue): string {
  const where = issue.path === "" ? "" : ` ${issue.path}:`;
  return `${issue.source}:${issue.line}:${issue.column}:${where} ${issue.reason}`;
}

/** Order issues by position, then code, for stable output. */
export function comparePolicyIssues(a: PolicyIssue, b: PolicyIssue): number {
  return a.line - b.line || a.column - b.column || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
}
