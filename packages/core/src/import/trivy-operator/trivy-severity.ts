import type { AdvisorySeverity, SeverityLevel } from "../../advisory/severity-level.js";
import { isRecord } from "./trivy-issues.js";

/** The severities the CRD allows (`report.vulnerabilities[].severity` enum) → Vigil's levels. */
const TRIVY_LEVELS: Readonly<Record<string, SeverityLevel>> = {
  CRITICAL: "critical",
  HIGH: "high",
  MEDIUM: "medium",
  LOW: "low",
  UNKNOWN: "unknown",
};

/** One vendor's entry of `cvss` (`{nvd: {V3Score, V3Vector, ...}}`). */
interface CvssEntry {
  readonly V2Score?: number;
  readonly V2Vector?: string;
  readonly V3Score?: number;
  readonly V3Vector?: string;
  readonly V40Score?: number;
  readonly V40Vector?: string;
}

/** What Trivy wrote about a vulnerability's severity. */
export interface TrivySeverityFacts {
  /** `severity`, as written. */
  readonly severity?: string;
  /** `score`, as written. */
  readonly score?: number;
  /** `cvss`: vendor → scores and vectors. */
  readonly cvss?: unknown;
  /** `cvsssource`: the vendor Trivy took its severity from. */
  readonly cvssSource?: string;
}

/**
 * Vigil's severity for an imported vulnerability, without re-deriving it: the level is Trivy's
 * (`source: "database"`, Trivy's vulnerability database, with Trivy's word in `raw`), the score
 * is Trivy's `score`, and the vector is one of `cvss`: that of `cvsssource`'s vendor, else NVD's,
 * else the first vendor's by name; v3 first (the score Trivy writes is a v3 score), then v4, then v2.
 * `known` is false for a severity outside the CRD's enum; the level is then `unknown`.
 */
export function trivySeverity(facts: TrivySeverityFacts): {
  readonly severity: AdvisorySeverity;
  readonly known: boolean;
} {
  const raw = facts.severity;
  const level = raw === undefined ? undefined : TRIVY_LEVELS[raw.toUpperCase()];
  const vector = cvssVector(facts.cvss, facts.cvssSource);
  const score = facts.score ?? vector?.score;
  const severity: AdvisorySeverity = {
    level: level ?? "unknown",
    source: level === undefined ? "none" : "database",
    ...(score !== undefined ? { score } : {}),
    ...(vector ? { vector: vector.vector } : {}),
    ...(raw ? { raw } : {}),
  };
  return { severity, known: level !== undefined };
}

function cvssVector(
  cvss: unknown,
  preferred: string | undefined,
): { readonly vector: string; readonly score?: number } | undefined {
  if (!isRecord(cvss)) return undefined;
  const vendors = Object.keys(cvss).sort();
  const order = [...new Set([preferred, "nvd", ...vendors])].filter((v): v is string => v !== undefined);
  for (const vendor of order) {
    const entry = cvss[vendor];
    if (!isRecord(entry)) continue;
    const e = entry as CvssEntry;
    for (const [vector, score] of [
      [e.V3Vector, e.V3Score],
      [e.V40Vector, e.V40Score],
      [e.V2Vector, e.V2Score],
    ] as const) {
      if (typeof vector === "string" && vector.trim()) {
        return { vector: vector.trim(), ...(typeof score === "number" ? { score } : {}) };
      }
    }
  }
  return undefined;
}
