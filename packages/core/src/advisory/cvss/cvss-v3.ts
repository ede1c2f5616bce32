/**
 * CVSS v3.0 and v3.1: vector grammar and base score, per FIRST's specification documents
 * (https://www.first.org/cvss/v3.0/specification-document, sections 6 and 8.1;
 * https://www.first.org/cvss/v3-1/specification-document, sections 6, 7.1 and Appendix A).
 * Both versions share metrics, weights and the base equation; they differ only in how the
 * result is rounded up.
 */
import { CvssError, type CvssVector } from "./cvss-vector.js";
import { baseValue, type MetricDefinitions, parseMetrics, weight } from "./parse-metrics.js";

/** The v3.x metrics (v3.1 specification table 15): base, temporal, environmental. */
export const CVSS_V3_METRICS: MetricDefinitions = {
  AV: { name: "Attack Vector", values: ["N", "A", "L", "P"], base: true },
  AC: { name: "Attack Complexity", values: ["L", "H"], base: true },
  PR: { name: "Privileges Required", values: ["N", "L", "H"], base: true },
  UI: { name: "User Interaction", values: ["N", "R"], base: true },
  S: { name: "Scope", values: ["U", "C"], base: true },
  C: { name: "Confidentiality", values: ["H", "L", "N"], base: true },
  I: { name: "Integrity", values: ["H", "L", "N"], base: true },
  A: { name: "Availability", values: ["H", "L", "N"], base: true },
  E: { name: "Exploit Code Maturity", values: ["X", "H", "F", "P", "U"], base: false },
  RL: { name: "Remediation Level", values: ["X", "U", "W", "T", "O"], base: false },
  RC: { name: "Report Confidence", values: ["X", "C", "R", "U"], base: false },
  CR: { name: "Confidentiality Requirement", values: ["X", "H", "M", "L"], base: false },
  IR: { name: "Integrity Requirement", values: ["X", "H", "M", "L"], base: false },
  AR: { name: "Availability Requirement", values: ["X", "H", "M", "L"], base: false },
  MAV: { name: "Modified Attack Vector", values: ["X", "N", "A", "L", "P"], base: false },
  MAC: { name: "Modified Attack Complexity", values: ["X", "L", "H"], base: false },
  MPR: { name: "Modified Privileges Required", values: ["X", "N", "L", "H"], base: false },
  MUI: { name: "Modified User Interaction", values: ["X", "N", "R"], base: false },
  MS: { name: "Modified Scope", values: ["X", "U", "C"], base: false },
  MC: { name: "Modified Confidentiality", values: ["X", "N", "L", "H"], base: false },
  MI: { name: "Modified Integrity", values: ["X", "N", "L", "H"], base: false },
  MA: { name: "Modified Availability", values: ["X", "N", "L", "H"], base: false },
};

/** Parses a `CVSS:3.0/...` or `CVSS:3.1/...` vector; any other prefix is an error. */
export function parseCvssV3(vector: string): CvssVector | CvssError {
  const version = vector.startsWith("CVSS:3.1/") ? "3.1" : vector.startsWith("CVSS:3.0/") ? "3.0" : undefined;
  if (version === undefined) {
    return new CvssError(vector, 'a CVSS v3 vector starts with "CVSS:3.0/" or "CVSS:3.1/"');
  }
  return parseMetrics({
    vector,
    version,
    body: vector.slice("CVSS:3.x/".length),
    definitions: CVSS_V3_METRICS,
    foreignMetricHint: (metric) =>
      metric === "Au" ? "Au is a CVSS v2 metric, and v2 vectors have no prefix" : undefined,
  });
}

const ATTACK_VECTOR = { N: 0.85, A: 0.62, L: 0.55, P: 0.2 };
const ATTACK_COMPLEXITY = { L: 0.77, H: 0.44 };
const PRIVILEGES_SCOPE_UNCHANGED = { N: 0.85, L: 0.62, H: 0.27 };
const PRIVILEGES_SCOPE_CHANGED = { N: 0.85, L: 0.68, H: 0.5 };
const USER_INTERACTION = { N: 0.85, R: 0.62 };
const IMPACT = { H: 0.56, L: 0.22, N: 0 };

/**
 * The v3.x base score of a vector {@link parseCvssV3} accepted, rounded the way its own
 * version rounds (see {@link roundUpV30} and {@link roundUpV31}). Temporal and environmental
 * metrics in the vector do not change the base score.
 */
export function cvssV3BaseScore(vector: CvssVector): number {
  const changed = baseValue(vector, "S") === "C";
  const c = weight(IMPACT, baseValue(vector, "C"));
  const i = weight(IMPACT, baseValue(vector, "I"));
  const a = weight(IMPACT, baseValue(vector, "A"));
  const iss = 1 - (1 - c) * (1 - i) * (1 - a);
  const impact = changed ? 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15 : 6.42 * iss;
  if (impact <= 0) return 0;
  const privileges = changed ? PRIVILEGES_SCOPE_CHANGED : PRIVILEGES_SCOPE_UNCHANGED;
  const exploitability =
    8.22 *
    weight(ATTACK_VECTOR, baseValue(vector, "AV")) *
    weight(ATTACK_COMPLEXITY, baseValue(vector, "AC")) *
    weight(privileges, baseValue(vector, "PR")) *
    weight(USER_INTERACTION, baseValue(vector, "UI"));
  const sum = changed ? 1.08 * (impact + exploitability) : impact + exploitability;
  const roundUp = vector.version === "3.0" ? roundUpV30 : roundUpV31;
  return roundUp(Math.min(sum, 10));
}

/**
 * v3.0 Round up: "the smallest number, specified to one decimal place, that is equal to or
 * higher than its input", computed as FIRST's v3.0 calculator does, `ceil(x × 10) / 10`.
 * Floating-point noise can push an exact x.x0 to the next tenth; v3.0 scores carry that
 * quirk, which is why v3.1 replaced the function (v3.1 specification, Appendix A).
 */
export function roundUpV30(value: number): number {
  return Math.ceil(value * 10) / 10;
}

/**
 * v3.1 Roundup (specification Appendix A): round to five decimals in integer arithmetic first,
 * so floating-point noise below 1e-5 cannot move the result up a tenth.
 */
export function roundUpV31(value: number): number {
  const scaled = Math.round(value * 100_000);
  if (scaled % 10_000 === 0) return scaled / 100_000;
  return (Math.floor(scaled / 10_000) + 1) / 10;
}
