export type { CvssRating } from "./cvss-rating.js";
export { cvssRating } from "./cvss-rating.js";
export type { CvssBaseScore, CvssErrorOptions, CvssVector, CvssVersion } from "./cvss-vector.js";
export { CvssError } from "./cvss-vector.js";
export { cvssBaseScore, parseCvss } from "./parse-cvss.js";
