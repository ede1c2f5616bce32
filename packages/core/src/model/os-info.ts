/**
 * Facts about the operating system of an image, read from `os-release` and the
 * distribution-specific release files. Field names follow os-release(5).
 */
export interface OsInfo {
  /** Lower-case distribution id: `debian`, `alpine`, `rhel`, `ubuntu`, `sles` ... */
  readonly id: string;
  /** Version as the distribution numbers it: `12`, `3.19.1`, `9.4`. May be absent (Debian sid, distroless). */
  readonly versionId?: string;
  readonly versionCodename?: string;
  readonly name?: string;
  readonly prettyName?: string;
  /** `ID_LIKE` values, e.g. `["rhel", "fedora"]`. */
  readonly idLike?: readonly string[];
  /** Which file these facts came from, e.g. `/etc/os-release`. */
  readonly source: string;
}

/** One OS fact found in one file of one layer; the inventory picks the winner after the merge. */
export interface OsFact extends OsInfo {
  /**
   * Higher wins when several files describe the OS: `os-release` beats `debian_version`
   * beats guesses from package databases.
   */
  readonly priority: number;
}
