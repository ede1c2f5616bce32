/** Qualitative severity, ordered from least to most severe; `unknown` sorts lowest. */
export const SEVERITY_LEVELS = ["unknown", "negligible", "low", "medium", "high", "critical"] as const;

/** One of {@link SEVERITY_LEVELS}. */
export type SeverityLevel = (typeof SEVERITY_LEVELS)[number];

/** Where a severity came from, in order of trust (ARCHITECTURE.md section 4). */
export const SEVERITY_SOURCES = [
  "distribution",
  "database",
  "cvss-v4",
  "cvss-v3",
  "cvss-v2",
  "none",
] as const;

/** One of {@link SEVERITY_SOURCES}. */
export type SeveritySource = (typeof SEVERITY_SOURCES)[number];

/** The severity Vigil reports for an advisory, with its provenance. */
export interface AdvisorySeverity {
  readonly level: SeverityLevel;
  readonly source: SeveritySource;
  /** CVSS base score, when one was computed or given. */
  readonly score?: number;
  /** The CVSS vector the score came from. */
  readonly vector?: string;
  /** The rating as the source wrote it (`important`, `MODERATE`, `unimportant` ...). */
  readonly raw?: string;
}

/** Compare two levels: negative when `a` is less severe. */
export function compareSeverity(a: SeverityLevel, b: SeverityLevel): number {
  return SEVERITY_LEVELS.indexOf(a) - SEVERITY_LEVELS.indexOf(b);
}

/** Parse a user-supplied level (`--severity-threshold high`), case-insensitively. */
export function parseSeverityLevel(text: string): SeverityLevel | undefined {
  const lower = text.toLowerCase();
  return (SEVERITY_LEVELS as readonly string[]).includes(lower) ? (lower as SeverityLevel) : undefined;
}
