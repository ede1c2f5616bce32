/**
 * CVSS v2: vector grammar and base score, per FIRST's "A Complete Guide to the Common
 * Vulnerability Scoring System Version 2.0" (https://www.first.org/cvss/v2/guide), sections
 * 2.4 (vectors) and 3.2.1 (base equation).
 */
import type { CvssError, CvssVector } from "./cvss-vector.js";
import { baseValue, type MetricDefinitions, parseMetrics, weight } from "./parse-metrics.js";

/** The v2 metrics (guide table 13): base, temporal, environmental. */
export const CVSS_V2_METRICS: MetricDefinitions = {
  AV: { name: "Access Vector", values: ["L", "A", "N"], base: true },
  AC: { name: "Access Complexity", values: ["H", "M", "L"], base: true },
  Au: { name: "Authentication", values: ["M", "S", "N"], base: true },
  C: { name: "Confidentiality Impact", values: ["N", "P", "C"], base: true },
  I: { name: "Integrity Impact", values: ["N", "P", "C"], base: true },
  A: { name: "Availability Impact", values: ["N", "P", "C"], base: true },
  E: { name: "Exploitability", values: ["U", "POC", "F", "H", "ND"], base: false },
  RL: { name: "Remediation Level", values: ["OF", "TF", "W", "U", "ND"], base: false },
  RC: { name: "Report Confidence", values: ["UC", "UR", "C", "ND"], base: false },
  CDP: { name: "Collateral Damage Potential", values: ["N", "L", "LM", "MH", "H", "ND"], base: false },
  TD: { name: "Target Distribution", values: ["N", "L", "M", "H", "ND"], base: false },
  CR: { name: "Confidentiality Requirement", values: ["L", "M", "H", "ND"], base: false },
  IR: { name: "Integrity Requirement", values: ["L", "M", "H", "ND"], base: false },
  AR: { name: "Availability Requirement", values: ["L", "M", "H", "ND"], base: false },
};

/** Metrics that exist in v3 or v4 but not in v2: a vector using them lacks its `CVSS:` prefix. */
const LATER_VERSION_METRICS = new Set(["PR", "UI", "S", "AT", "VC", "VI", "VA", "SC", "SI", "SA"]);

/**
 * Parses a v2 vector. v2 vectors carry no version prefix (`AV:N/AC:L/Au:N/C:P/I:P/A:P`); a
 * `CVSS:` prefix or a metric that only later versions have is an error, not a guess.
 */
export function parseCvssV2(vector: string): CvssVector | CvssError {
  return parseMetrics({
    vector,
    version: "2.0",
    body: vector,
    definitions: CVSS_V2_METRICS,
    foreignMetricHint: (metric) =>
      LATER_VERSION_METRICS.has(metric)
        ? `${metric} is a CVSS v3/v4 metric, and those vectors start with "CVSS:3.x/" or "CVSS:4.0/"`
        : undefined,
  });
}

const ACCESS_VECTOR = { L: 0.395, A: 0.646, N: 1.0 };
const ACCESS_COMPLEXITY = { H: 0.35, M: 0.61, L: 0.71 };
const AUTHENTICATION = { M: 0.45, S: 0.56, N: 0.704 };
const IMPACT = { N: 0.0, P: 0.275, C: 0.66 };

/** The v2 base score (guide section 3.2.1) of a vector {@link parseCvssV2} accepted. */
export function cvssV2BaseScore(vector: CvssVector): number {
  const c = weight(IMPACT, baseValue(vector, "C"));
  const i = weight(IMPACT, baseValue(vector, "I"));
  const a = weight(IMPACT, baseValue(vector, "A"));
  const impact = 10.41 * (1 - (1 - c) * (1 - i) * (1 - a));
  const exploitability =
    20 *
    weight(ACCESS_VECTOR, baseValue(vector, "AV")) *
    weight(ACCESS_COMPLEXITY, baseValue(vector, "AC")) *
    weight(AUTHENTICATION, baseValue(vector, "Au"));
  const fImpact = impact === 0 ? 0 : 1.176;
  const score = (0.6 * impact + 0.4 * exploitability - 1.5) * fImpact;
  // round_to_1_decimal; `+ 0` turns the -0 of a zero impact into 0.
  return Math.round(score * 10) / 10 + 0;
}
