/**
 * Where a piece of bad data was found. Every field is optional because a problem can be
 * about a whole image (no layer), a whole layer (no path) or one record in one file.
 */
export interface IssueLocation {
  /** Image reference or source description, when the issue is about an image. */
  readonly image?: string;
  /** Digest of the layer blob (compressed digest, as in the manifest). */
  readonly layerDigest?: string;
  /** Absolute path inside the image filesystem, e.g. `/var/lib/dpkg/status`. */
  readonly path?: string;
  /** 1-based line number inside the file, for line-oriented formats. */
  readonly line?: number;
  /** A record identifier inside the file (rpm header number, package name, byte offset). */
  readonly record?: string;
}

/** How bad an issue is: `error` means data was lost, `warning` means it was interpreted with doubt. */
export type IssueSeverity = "error" | "warning" | "info";

/**
 * Bad data recorded instead of thrown (ARCHITECTURE.md section 8): the scan goes on and the
 * issue travels with the result so a person can see what was skipped and where.
 */
export interface LocatedIssue {
  readonly severity: IssueSeverity;
  /** Stable machine-readable code, kebab-case, e.g. `dpkg-missing-version`. */
  readonly code: string;
  /** One sentence for people: what was wrong. */
  readonly message: string;
  /** Which stage or plugin recorded it, e.g. `extract:os/dpkg`, `layer`, `registry`. */
  readonly source: string;
  readonly location: IssueLocation;
}

/** Sort issues deterministically (by layer, path, line, code) for stable output. */
export function compareIssues(a: LocatedIssue, b: LocatedIssue): number {
  return (
    cmp(a.location.layerDigest, b.location.layerDigest) ||
    cmp(a.location.path, b.location.path) ||
    (a.location.line ?? 0) - (b.location.line ?? 0) ||
    cmp(a.location.record, b.location.record) ||
    cmp(a.code, b.code) ||
    cmp(a.message, b.message)
  );
}

function cmp(a: string | undefined, b: string | undefined): number {
  const x = a ?? "";
  const y = b ?? "";
  return x < y ? -1 : x > y ? 1 : 0;
}
