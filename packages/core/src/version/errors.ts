/**
 * Error classes of the version module. A parser never throws: it returns a
 * {@link VersionParseError} as a value. The throwing entry points (`compare` on a comparator,
 * {@link compareVersions}) wrap that value so callers can tell bad data from bugs.
 */

/** Options shared by every error of this module. */
export interface VersionErrorOptions {
  /** The underlying error, kept so a report can show the whole chain. */
  readonly cause?: unknown;
}

/**
 * A version string that its scheme's grammar rejects. Returned (not thrown) by
 * `VersionComparator.parse`; thrown only by `VersionComparator.compare`.
 */
export class VersionParseError extends Error {
  override readonly name = "VersionParseError";
  /** The scheme whose grammar rejected the string, e.g. `deb`. */
  readonly scheme: string;
  /** The rejected string, unchanged. */
  readonly version: string;
  /** Why it was rejected, one short phrase, e.g. `epoch is not a number`. */
  readonly reason: string;

  constructor(scheme: string, version: string, reason: string, options?: VersionErrorOptions) {
    super(`invalid ${scheme} version ${JSON.stringify(version)}: ${reason}`, options);
    this.scheme = scheme;
    this.version = version;
    this.reason = reason;
  }
}

/** Base class of the errors thrown by {@link compareVersions}: catch this one to catch them all. */
export class VersionError extends Error {
  override readonly name: string = "VersionError";
}

/** The ecosystem name maps to no version scheme (see `ecosystems.ts`). */
export class UnknownEcosystemError extends VersionError {
  override readonly name = "UnknownEcosystemError";
  /** The ecosystem string as given, e.g. `Haskell`. */
  readonly ecosystem: string;

  constructor(ecosystem: string, options?: VersionErrorOptions) {
    super(`unknown ecosystem ${JSON.stringify(ecosystem)}: no version scheme is registered for it`, options);
    this.ecosystem = ecosystem;
  }
}

/**
 * A version that is malformed for the ecosystem's scheme. `cause` is the
 * {@link VersionParseError} that says why.
 */
export class InvalidVersionError extends VersionError {
  override readonly name = "InvalidVersionError";
  /** The ecosystem the version was compared in, e.g. `Debian:12`. */
  readonly ecosystem: string;
  /** The scheme that rejected it, e.g. `deb`. */
  readonly scheme: string;
  /** The malformed version string. */
  readonly version: string;
  override readonly cause: VersionParseError;

  constructor(ecosystem: string, cause: VersionParseError) {
    super(
      `invalid version ${JSON.stringify(cause.version)} in ecosystem ${JSON.stringify(ecosystem)} ` +
        `(${cause.scheme} scheme): ${cause.reason}`,
      { cause },
    );
    this.ecosystem = ecosystem;
    this.scheme = cause.scheme;
    this.version = cause.version;
    this.cause = cause;
  }
}
