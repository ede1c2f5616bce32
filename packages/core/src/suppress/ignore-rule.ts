/**
 * Why a finding was dismissed: GitLab's dismissal reasons (ARCHITECTURE.md section 5), so a
 * rule carries straight into the GitLab report and maps onto a CycloneDX analysis.
 */
export const DISMISSAL_REASONS = [
  "acceptable_risk",
  "false_positive",
  "mitigating_control",
  "used_in_tests",
  "not_applicable",
] as const;

/** One of {@link DISMISSAL_REASONS}. */
export type DismissalReason = (typeof DISMISSAL_REASONS)[number];

/**
 * One rule of a `.vigilignore.yaml` file (the format is documented on `parseIgnoreFile`).
 * All given conditions must hold for the rule to suppress a match.
 */
export interface IgnoreRule {
  /** Advisory id or any alias (`CVE-2023-4911`, `GHSA-…`, `DSA-5514-1`), compared case-insensitively. */
  readonly id: string;
  /**
   * A package name (binary or source name: `libc6` or `glibc`), or a package-URL prefix that
   * ends at a component boundary (`pkg:deb/debian/libc6`, `pkg:maven/org.apache.logging.log4j/`).
   */
  readonly package?: string;
  /** A glob on the package's file path inside the image (`/usr/lib/**`, `/opt/app/lib/*.jar`). */
  readonly path?: string;
  /** Why the finding is accepted: required, shown in reports. */
  readonly reason: string;
  /** When the rule stops applying, as written: `2026-06-30` (00:00 UTC that day) or an RFC 3339 time. */
  readonly expires?: string;
  /** Kind of dismissal; `acceptable_risk` when the rule does not say. */
  readonly dismissal: DismissalReason;
  /** Where the rule was written. */
  readonly source: { readonly file: string; readonly line: number };
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * The instant an `expires` value stops a rule: a plain date means 00:00 UTC of that day (as
 * Trivy's `expired_at`), a date-time means itself. `undefined` when the value is not a real
 * date (`2026-02-30`) or not in either form.
 */
export function parseExpiry(text: string): Date | undefined {
  const date = DATE.exec(text);
  if (date) {
    const [y, m, d] = [Number(date[1]), Number(date[2]), Number(date[3])];
    const at = new Date(Date.UTC(y, m - 1, d));
    return at.getUTCFullYear() === y && at.getUTCMonth() === m - 1 && at.getUTCDate() === d ? at : undefined;
  }
  if (!DATE_TIME.test(text)) return undefined;
  const at = new Date(text);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/** Whether a rule no longer applies at `now`. */
export function isRuleExpired(rule: IgnoreRule, now: Date): boolean {
  if (rule.expires === undefined) return false;
  const at = parseExpiry(rule.expires);
  // An unparseable expiry never gets here (the parser drops the rule); treat it as expired to be safe.
  return at === undefined || now.getTime() >= at.getTime();
}
