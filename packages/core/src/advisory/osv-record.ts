/**
 * The OSV schema (https://ossf.github.io/osv-schema/), the one shape every advisory
 * source is normalized to. Field names are the schema's own (snake_case) so records can be
 * stored and exported unchanged.
 */

/** One event of a range; exactly one field is set. */
export interface OsvEvent {
  readonly introduced?: string;
  readonly fixed?: string;
  readonly last_affected?: string;
  readonly limit?: string;
}

/** A range of affected versions. `GIT` ranges name commits, not versions, and are skipped by matching. */
export interface OsvRange {
  readonly type: "ECOSYSTEM" | "SEMVER" | "GIT" | (string & {});
  readonly repo?: string;
  readonly events: readonly OsvEvent[];
  readonly database_specific?: Readonly<Record<string, unknown>>;
}

/** A severity as OSV writes it: a CVSS vector string, or a distribution's own rating (`Ubuntu`). */
export interface OsvSeverity {
  readonly type: "CVSS_V2" | "CVSS_V3" | "CVSS_V4" | "Ubuntu" | (string & {});
  readonly score: string;
}

/** The package an `affected` entry is about. */
export interface OsvPackage {
  /** `Debian:12`, `Alpine:v3.19`, `PyPI`, `Red Hat:enterprise_linux:9::appstream` ... */
  readonly ecosystem: string;
  readonly name: string;
  readonly purl?: string;
}

/** One affected package with its ranges and/or explicit versions. */
export interface OsvAffected {
  readonly package?: OsvPackage;
  readonly severity?: readonly OsvSeverity[];
  readonly ranges?: readonly OsvRange[];
  readonly versions?: readonly string[];
  readonly ecosystem_specific?: Readonly<Record<string, unknown>>;
  readonly database_specific?: Readonly<Record<string, unknown>>;
}

/** A reference link. */
export interface OsvReference {
  readonly type: string;
  readonly url: string;
}

/** An OSV record. */
export interface OsvRecord {
  readonly schema_version?: string;
  readonly id: string;
  /** RFC 3339 time of the last change. */
  readonly modified: string;
  readonly published?: string;
  readonly withdrawn?: string;
  /** The same vulnerability in other databases (CVE ↔ GHSA ↔ DSA ...). */
  readonly aliases?: readonly string[];
  /** Upstream records this one is derived from (a distribution record names the CVE). */
  readonly upstream?: readonly string[];
  readonly related?: readonly string[];
  readonly summary?: string;
  readonly details?: string;
  readonly severity?: readonly OsvSeverity[];
  readonly affected?: readonly OsvAffected[];
  readonly references?: readonly OsvReference[];
  readonly credits?: readonly Readonly<Record<string, unknown>>[];
  readonly database_specific?: Readonly<Record<string, unknown>>;
}
