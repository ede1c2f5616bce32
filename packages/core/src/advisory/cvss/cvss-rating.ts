import type { CvssVersion } from "./cvss-vector.js";

/** A qualitative severity rating of a CVSS score. */
export type CvssRating = "none" | "low" | "medium" | "high" | "critical";

/**
 * The qualitative rating of a base score on its version's scale.
 *
 * - v3.0, v3.1 and v4.0 share FIRST's Qualitative Severity Rating Scale (v3.1 specification
 *   section 5, v4.0 specification section 6): None 0.0, Low 0.1–3.9, Medium 4.0–6.9,
 *   High 7.0–8.9, Critical 9.0–10.0.
 * - v2 has no scale in its specification; the one everybody uses is NVD's (Low 0.0–3.9,
 *   Medium 4.0–6.9, High 7.0–10.0), so a v2 score is never `none` nor `critical`.
 *
 * A score outside 0..10 (or NaN) is a programming error: it throws a `RangeError`.
 */
export function cvssRating(score: number, version: CvssVersion): CvssRating {
  if (!(score >= 0 && score <= 10)) throw new RangeError(`CVSS score out of range 0..10: ${score}`);
  if (version === "2.0") return score < 4 ? "low" : score < 7 ? "medium" : "high";
  if (score === 0) return "none";
  if (score < 4) return "low";
  if (score < 7) return "medium";
  if (score < 9) return "high";
  return "critical";
}
