/**
 * The shapes every CVSS version shares: a parsed vector and the error value a parser returns
 * instead of throwing.
 */

/** A CVSS version this module parses and scores. */
export type CvssVersion = "2.0" | "3.0" | "3.1" | "4.0";

/** A vector that parsed: every metric is known, set once, with a valid value, and all base metrics are there. */
export interface CvssVector {
  readonly version: CvssVersion;
  /** The vector string as given. */
  readonly vector: string;
  /** Metric abbreviation → value abbreviation, as the string sets them (`AV` → `N`, `Au` → `S`). */
  readonly metrics: Readonly<Record<string, string>>;
}

/** A base score and the vector it was computed from. */
export interface CvssBaseScore {
  readonly version: CvssVersion;
  /** The base score, 0.0 to 10.0, one decimal (CVSS-B for v4.0). */
  readonly score: number;
  /** The vector string as given. */
  readonly vector: string;
}

/** Options of {@link CvssError}. */
export interface CvssErrorOptions {
  /** The metric the problem is about (`AV`, `Au`, `MSI`), when it is about one. */
  readonly metric?: string;
  /** The underlying error, if any. */
  readonly cause?: unknown;
}

/**
 * A vector string that its version's grammar rejects. Returned as a value by the parsers and
 * {@link cvssBaseScore}, never thrown: advisory data is untrusted, and one bad vector must not
 * stop an import.
 */
export class CvssError extends Error {
  override readonly name = "CvssError";
  /** The rejected string, unchanged. */
  readonly vector: string;
  /** The metric the problem is about, when it is about one; the reason names it too. */
  readonly metric?: string;
  /** Why it was rejected, one short phrase, e.g. `duplicate metric AV`. */
  readonly reason: string;

  constructor(vector: string, reason: string, options?: CvssErrorOptions) {
    super(`invalid CVSS vector ${JSON.stringify(vector)}: ${reason}`, options);
    this.vector = vector;
    this.reason = reason;
    if (options?.metric !== undefined) this.metric = options.metric;
  }
}
