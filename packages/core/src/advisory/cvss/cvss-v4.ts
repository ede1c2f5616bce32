/**
 * CVSS v4.0: vector grammar and the base score CVSS-B, per FIRST's specification document
 * (https://www.first.org/cvss/v4.0/specification-document): section 7 (vector string),
 * section 8 (equivalence sets, MacroVectors, and the interpolation by severity distance).
 */

import {
  CVSS_V4_HIGHEST_SEVERITY_VECTORS,
  CVSS_V4_LEVEL_DEPTHS,
  CVSS_V4_MACRO_VECTOR_SCORES,
} from "./cvss-v4-macro-vectors.js";
import { CvssError, type CvssVector } from "./cvss-vector.js";
import { baseValue, type MetricDefinitions, parseMetrics } from "./parse-metrics.js";

const IMPACT = ["H", "L", "N"];
const MODIFIED_IMPACT = ["X", "H", "L", "N"];
const REQUIREMENT = ["X", "H", "M", "L"];

/** The v4.0 metrics: base, threat, environmental, supplemental (specification table 23). */
export const CVSS_V4_METRICS: MetricDefinitions = {
  AV: { name: "Attack Vector", values: ["N", "A", "L", "P"], base: true },
  AC: { name: "Attack Complexity", values: ["L", "H"], base: true },
  AT: { name: "Attack Requirements", values: ["N", "P"], base: true },
  PR: { name: "Privileges Required", values: ["N", "L", "H"], base: true },
  UI: { name: "User Interaction", values: ["N", "P", "A"], base: true },
  VC: { name: "Vulnerable System Confidentiality Impact", values: IMPACT, base: true },
  VI: { name: "Vulnerable System Integrity Impact", values: IMPACT, base: true },
  VA: { name: "Vulnerable System Availability Impact", values: IMPACT, base: true },
  SC: { name: "Subsequent System Confidentiality Impact", values: IMPACT, base: true },
  SI: { name: "Subsequent System Integrity Impact", values: IMPACT, base: true },
  SA: { name: "Subsequent System Availability Impact", values: IMPACT, base: true },
  E: { name: "Exploit Maturity", values: ["X", "A", "P", "U"], base: false },
  CR: { name: "Confidentiality Requirement", values: REQUIREMENT, base: false },
  IR: { name: "Integrity Requirement", values: REQUIREMENT, base: false },
  AR: { name: "Availability Requirement", values: REQUIREMENT, base: false },
  MAV: { name: "Modified Attack Vector", values: ["X", "N", "A", "L", "P"], base: false },
  MAC: { name: "Modified Attack Complexity", values: ["X", "L", "H"], base: false },
  MAT: { name: "Modified Attack Requirements", values: ["X", "N", "P"], base: false },
  MPR: { name: "Modified Privileges Required", values: ["X", "N", "L", "H"], base: false },
  MUI: { name: "Modified User Interaction", values: ["X", "N", "P", "A"], base: false },
  MVC: { name: "Modified Vulnerable System Confidentiality", values: MODIFIED_IMPACT, base: false },
  MVI: { name: "Modified Vulnerable System Integrity", values: MODIFIED_IMPACT, base: false },
  MVA: { name: "Modified Vulnerable System Availability", values: MODIFIED_IMPACT, base: false },
  MSC: { name: "Modified Subsequent System Confidentiality", values: MODIFIED_IMPACT, base: false },
  MSI: { name: "Modified Subsequent System Integrity", values: ["X", "S", "H", "L", "N"], base: false },
  MSA: { name: "Modified Subsequent System Availability", values: ["X", "S", "H", "L", "N"], base: false },
  S: { name: "Safety", values: ["X", "N", "P"], base: false },
  AU: { name: "Automatable", values: ["X", "N", "Y"], base: false },
  R: { name: "Recovery", values: ["X", "A", "U", "I"], base: false },
  V: { name: "Value Density", values: ["X", "D", "C"], base: false },
  RE: { name: "Vulnerability Response Effort", values: ["X", "L", "M", "H"], base: false },
  U: { name: "Provider Urgency", values: ["X", "Clear", "Green", "Amber", "Red"], base: false },
};

/** Parses a `CVSS:4.0/...` vector; any other prefix is an error. */
export function parseCvssV4(vector: string): CvssVector | CvssError {
  if (!vector.startsWith("CVSS:4.0/"))
    return new CvssError(vector, 'a CVSS v4 vector starts with "CVSS:4.0/"');
  return parseMetrics({
    vector,
    version: "4.0",
    body: vector.slice("CVSS:4.0/".length),
    definitions: CVSS_V4_METRICS,
  });
}

/**
 * Severity level of each metric value in steps of 0.1 (0 = most severe), for the severity
 * distance between a vector and a highest severity vector of its MacroVector. SC has no `S`
 * value, so its levels start at 1 like SI and SA without theirs.
 */
const LEVELS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  AV: { N: 0, A: 1, L: 2, P: 3 },
  PR: { N: 0, L: 1, H: 2 },
  UI: { N: 0, P: 1, A: 2 },
  AC: { L: 0, H: 1 },
  AT: { N: 0, P: 1 },
  VC: { H: 0, L: 1, N: 2 },
  VI: { H: 0, L: 1, N: 2 },
  VA: { H: 0, L: 1, N: 2 },
  SC: { H: 1, L: 2, N: 3 },
  SI: { S: 0, H: 1, L: 2, N: 3 },
  SA: { S: 0, H: 1, L: 2, N: 3 },
  CR: { H: 0, M: 1, L: 2 },
  IR: { H: 0, M: 1, L: 2 },
  AR: { H: 0, M: 1, L: 2 },
};

/** The metrics whose distances make up each equivalence set's severity distance. */
const DISTANCE_METRICS = {
  eq1: ["AV", "PR", "UI"],
  eq2: ["AC", "AT"],
  eq3eq6: ["VC", "VI", "VA", "CR", "IR", "AR"],
  eq4: ["SC", "SI", "SA"],
} as const;

const BASE_METRICS = ["AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA"] as const;

/**
 * The CVSS-B score of a vector {@link parseCvssV4} accepted: base metrics only. Threat and
 * environmental metrics in the vector are ignored, so they take the values the specification
 * gives "Not Defined" (E:A, CR/IR/AR:H, no modified metric), whatever the vector says.
 */
export function cvssV4BaseScore(vector: CvssVector): number {
  const m: Record<string, string> = { E: "A", CR: "H", IR: "H", AR: "H" };
  for (const metric of BASE_METRICS) m[metric] = baseValue(vector, metric);
  return scoreMetrics(m);
}

/** Scores a full set of effective metric values (specification section 8.2). */
function scoreMetrics(m: Readonly<Record<string, string>>): number {
  // No impact on any system scores 0 whatever the exploitability.
  if (["VC", "VI", "VA", "SC", "SI", "SA"].every((metric) => m[metric] === "N")) return 0;

  const eq = macroVector(m);
  const value = macroScore(eq);
  if (value === undefined) throw new Error(`CVSS v4 MacroVector ${eq.join("")} is not in the table`);

  // Score of the next lower MacroVector of each equivalence set, undefined where none exists.
  // EQ3 and EQ6 move together: 00 has two next lower neighbours (01 and 10, the higher counts),
  // 01 → 11, 10 → 11, 11 → 21, and 21 is the lowest.
  const [eq1, eq2, eq3, eq4, eq5, eq6] = eq;
  const lower = (index: number) => macroScore(eq.map((level, i) => (i === index ? level + 1 : level)));
  const lowerEq3Eq6 = (newEq3: number, newEq6: number) => macroScore([eq1, eq2, newEq3, eq4, eq5, newEq6]);
  let eq3eq6Lower: number | undefined;
  if (eq3 === 0 && eq6 === 0) {
    const viaEq6 = lowerEq3Eq6(0, 1);
    const viaEq3 = lowerEq3Eq6(1, 0);
    eq3eq6Lower = viaEq6 !== undefined && (viaEq3 === undefined || viaEq6 > viaEq3) ? viaEq6 : viaEq3;
  } else if (eq3 === 1 && eq6 === 0) {
    eq3eq6Lower = lowerEq3Eq6(1, 1);
  } else {
    eq3eq6Lower = lowerEq3Eq6(eq3 + 1, eq6);
  }

  // Severity distance from the first highest severity vector of this MacroVector that the
  // vector is nowhere more severe than.
  const distances = severityDistances(m, eq);
  const eq3eq6Key = `${eq3}${eq6}` as keyof typeof CVSS_V4_LEVEL_DEPTHS.eq3eq6;
  const sets: readonly { lower: number | undefined; distance: number; depth: number }[] = [
    { lower: lower(0), distance: distances.eq1, depth: depth(CVSS_V4_LEVEL_DEPTHS.eq1, eq1) },
    { lower: lower(1), distance: distances.eq2, depth: depth(CVSS_V4_LEVEL_DEPTHS.eq2, eq2) },
    { lower: eq3eq6Lower, distance: distances.eq3eq6, depth: CVSS_V4_LEVEL_DEPTHS.eq3eq6[eq3eq6Key] },
    { lower: lower(3), distance: distances.eq4, depth: depth(CVSS_V4_LEVEL_DEPTHS.eq4, eq4) },
    // EQ5 (exploit maturity) has one vector per level: it always moves by 0, but a lower
    // MacroVector that exists still counts in the mean.
    { lower: lower(4), distance: 0, depth: depth(CVSS_V4_LEVEL_DEPTHS.eq5, eq5) },
  ];
  let existing = 0;
  let sum = 0;
  for (const set of sets) {
    if (set.lower === undefined) continue;
    existing += 1;
    // The available distance (to the next lower MacroVector's score) times the proportion of
    // the level's depth the vector is away from the top of its MacroVector.
    sum += (value - set.lower) * (set.distance / set.depth);
  }
  const score = Math.min(10, Math.max(0, value - (existing === 0 ? 0 : sum / existing)));
  // Round half up at one decimal. The interpolation can land a floating-point ulp below an
  // x.x5 tie (5.6499999999999995 for 5.65); the small lift keeps it on the right side, as
  // FIRST's reference calculator does.
  return Math.round((score + 1e-6) * 10) / 10;
}

function depth(table: Readonly<Record<number, number>>, level: number | undefined): number {
  const found = level === undefined ? undefined : table[level];
  if (found === undefined) throw new Error(`no CVSS v4 depth for level ${level}`);
  return found;
}

function macroScore(eq: readonly number[]): number | undefined {
  return CVSS_V4_MACRO_VECTOR_SCORES[eq.join("")];
}

/** The six equivalence-set levels EQ1..EQ6 (specification tables 24 to 29). */
type MacroVector = readonly [number, number, number, number, number, number];

/** The MacroVector of a full set of effective metric values. */
function macroVector(m: Readonly<Record<string, string>>): MacroVector {
  const { AV, PR, UI, AC, AT, VC, VI, VA, SC, SI, SA, E, CR, IR, AR } = m;
  const eq1 =
    AV === "N" && PR === "N" && UI === "N"
      ? 0
      : (AV === "N" || PR === "N" || UI === "N") && AV !== "P"
        ? 1
        : 2;
  const eq2 = AC === "L" && AT === "N" ? 0 : 1;
  const eq3 = VC === "H" && VI === "H" ? 0 : VC === "H" || VI === "H" || VA === "H" ? 1 : 2;
  const eq4 = SI === "S" || SA === "S" ? 0 : SC === "H" || SI === "H" || SA === "H" ? 1 : 2;
  const eq5 = E === "A" ? 0 : E === "P" ? 1 : 2;
  const eq6 = (CR === "H" && VC === "H") || (IR === "H" && VI === "H") || (AR === "H" && VA === "H") ? 0 : 1;
  return [eq1, eq2, eq3, eq4, eq5, eq6];
}

/**
 * Per equivalence set, the sum of the vector's metric levels minus those of a highest severity
 * vector of its MacroVector: the first one (in the specification's order of the candidates
 * combined across sets) from which no metric of the vector is more severe. Should none fit,
 * the last candidate is used, as the reference calculator does; every vector with valid base
 * metrics has a fitting one.
 */
function severityDistances(
  m: Readonly<Record<string, string>>,
  eq: MacroVector,
): Record<keyof typeof DISTANCE_METRICS, number> {
  const own: Record<string, number> = {};
  for (const metric of DISTANCE_METRIC_NAMES) own[metric] = level(metric, m[metric]);
  const candidates = highestSeverityLevels(eq);
  let chosen = candidates[candidates.length - 1];
  for (const candidate of candidates) {
    if (DISTANCE_METRIC_NAMES.every((metric) => (own[metric] ?? 0) >= (candidate[metric] ?? 0))) {
      chosen = candidate;
      break;
    }
  }
  const total = (metrics: readonly string[]) =>
    metrics.reduce((sum, metric) => sum + (own[metric] ?? 0) - (chosen?.[metric] ?? 0), 0);
  return {
    eq1: total(DISTANCE_METRICS.eq1),
    eq2: total(DISTANCE_METRICS.eq2),
    eq3eq6: total(DISTANCE_METRICS.eq3eq6),
    eq4: total(DISTANCE_METRICS.eq4),
  };
}

const DISTANCE_METRIC_NAMES = Object.values(DISTANCE_METRICS).flat();

/** Per MacroVector, its highest severity vectors combined across sets, as metric → level; built once. */
const highestSeverityCache = new Map<string, readonly Readonly<Record<string, number>>[]>();

function highestSeverityLevels(eq: MacroVector): readonly Readonly<Record<string, number>>[] {
  const [eq1, eq2, eq3, eq4, eq5, eq6] = eq;
  const key = eq.join("");
  const cached = highestSeverityCache.get(key);
  if (cached !== undefined) return cached;
  const highest = CVSS_V4_HIGHEST_SEVERITY_VECTORS;
  const vectors = [
    ...combinations([
      highest.eq1[eq1 as keyof typeof highest.eq1],
      highest.eq2[eq2 as keyof typeof highest.eq2],
      highest.eq3eq6[`${eq3}${eq6}` as keyof typeof highest.eq3eq6],
      highest.eq4[eq4 as keyof typeof highest.eq4],
      highest.eq5[eq5 as keyof typeof highest.eq5],
    ]),
  ];
  // E has no severity distance: exploit maturity only moves between MacroVectors.
  const levels = vectors.map((vector) =>
    Object.fromEntries(DISTANCE_METRIC_NAMES.map((metric) => [metric, level(metric, vector[metric])])),
  );
  highestSeverityCache.set(key, levels);
  return levels;
}

function level(metric: string, value: string | undefined): number {
  const found = value === undefined ? undefined : LEVELS[metric]?.[value];
  if (found === undefined) throw new Error(`no CVSS v4 severity level for ${metric}:${value}`);
  return found;
}

/** Every combination of one vector from each list, in order, as metric → value. */
function* combinations(lists: readonly (readonly string[])[]): Generator<Record<string, string>> {
  const [first, ...rest] = lists;
  if (first === undefined) {
    yield {};
    return;
  }
  for (const vector of first) {
    const own = Object.fromEntries(vector.split("/").map((part) => part.split(":") as [string, string]));
    for (const tail of combinations(rest)) yield { ...own, ...tail };
  }
}
