import { cvssV2BaseScore, parseCvssV2 } from "./cvss-v2.js";
import { cvssV3BaseScore, parseCvssV3 } from "./cvss-v3.js";
import { cvssV4BaseScore, parseCvssV4 } from "./cvss-v4.js";
import { type CvssBaseScore, CvssError, type CvssVector } from "./cvss-vector.js";

/**
 * Parses a CVSS vector of any supported version, chosen by its prefix: `CVSS:4.0/`,
 * `CVSS:3.1/`, `CVSS:3.0/`, or none for v2 (whose vectors have no prefix). A malformed vector
 * (unknown or duplicate metric, invalid value, missing base metric, unknown prefix) comes back
 * as a {@link CvssError}; this function never throws and never repairs its input.
 */
export function parseCvss(vector: string): CvssVector | CvssError {
  if (vector === "") return new CvssError(vector, "empty vector");
  if (vector.startsWith("CVSS:4.0/")) return parseCvssV4(vector);
  if (vector.startsWith("CVSS:3.1/") || vector.startsWith("CVSS:3.0/")) return parseCvssV3(vector);
  if (vector.startsWith("CVSS:")) {
    const prefix = vector.slice(0, vector.indexOf("/") >>> 0);
    return new CvssError(
      vector,
      `unknown version prefix ${JSON.stringify(prefix)}; supported: "CVSS:4.0/", "CVSS:3.1/", ` +
        `"CVSS:3.0/", and no prefix for CVSS v2`,
    );
  }
  return parseCvssV2(vector);
}

/**
 * The base score of a CVSS vector: v2 base score, v3.0 / v3.1 base score (each with its own
 * rounding), or v4.0 CVSS-B. Threat, temporal and environmental metrics in the vector are
 * validated but do not change the result. A malformed vector comes back as a
 * {@link CvssError}, never thrown.
 */
export function cvssBaseScore(vector: string): CvssBaseScore | CvssError {
  const parsed = parseCvss(vector);
  if (parsed instanceof CvssError) return parsed;
  const score =
    parsed.version === "4.0"
      ? cvssV4BaseScore(parsed)
      : parsed.version === "2.0"
        ? cvssV2BaseScore(parsed)
        : cvssV3BaseScore(parsed);
  return { version: parsed.version, score, vector };
}
