/**
 * Kysely table types of Vigil's database, one interface per table, column names as in SQL.
 * Types are the common ground of SQLite and PostgreSQL: text, integer, double precision;
 * JSON is stored as text (parsed in the repository, so both dialects return the same bytes)
 * and times as ISO 8601 / RFC 3339 text (which sorts chronologically as text).
 */

/** One advisory (an OSV record) and its provenance; owned by exactly one source at a time. */
export interface AdvisoryTable {
  /** The OSV id (`DEBIAN-CVE-2024-1234`, `GHSA-…`, `PYSEC-…`). */
  id: string;
  /** Name of the source whose sync wrote it last. */
  source: string;
  modified: string;
  published: string | null;
  /** Set for withdrawn records: kept for lookups, never indexed in `affected_package`. */
  withdrawn: string | null;
  summary: string | null;
  /** A `SeverityLevel`. */
  severity_level: string;
  /** A `SeveritySource`. */
  severity_source: string;
  severity_score: number | null;
  severity_vector: string | null;
  severity_raw: string | null;
  /** The OSV record unchanged, as JSON text. */
  record_json: string;
  upstream_url: string | null;
  fetched_at: string;
}

/** Every id an advisory is also known by (its `aliases` and `upstream` lists). */
export interface AdvisoryAliasTable {
  alias: string;
  advisory_id: string;
}

/** One `affected` entry that names a package, indexed by (ecosystem base, normalized name). */
export interface AffectedPackageTable {
  advisory_id: string;
  /** Position of the entry in the record's `affected` array. */
  ordinal: number;
  /** The full OSV ecosystem (`Debian:12`). */
  ecosystem: string;
  /** `Debian`, `PyPI` … (see `ecosystemKey`). */
  ecosystem_base: string;
  ecosystem_release: string | null;
  /** `normalizePackageName(base, name)`. */
  package_name: string;
  /** That one OSV affected entry as JSON text. */
  affected_json: string;
}

/** CISA KEV entries, per CVE, owned by the enrichment source that wrote them. */
export interface CveKevTable {
  cve: string;
  source: string;
  date_added: string;
  due_date: string | null;
  /** 1 known ransomware use, 0 not known, null not stated. */
  ransomware: number | null;
}

/** FIRST EPSS scores, per CVE, owned by the enrichment source that wrote them. */
export interface CveEpssTable {
  cve: string;
  source: string;
  score: number;
  percentile: number;
  date: string;
}

/** Bookkeeping of each advisory source (`vigil db status`). */
export interface AdvisorySourceStateTable {
  name: string;
  /** The source plugin's version that wrote the current data. */
  version: number;
  cursor: string | null;
  last_sync_at: string | null;
  last_success_at: string | null;
  /** Rows the source owns after its last successful sync: advisories + KEV + EPSS. */
  records: number;
  /** Why the last sync failed; cleared by the next success. */
  last_error: string | null;
}

/** The whole database as Kysely sees it. Later issues add tables here (images, findings, …). */
export interface VigilSchema {
  advisory: AdvisoryTable;
  advisory_alias: AdvisoryAliasTable;
  affected_package: AffectedPackageTable;
  cve_kev: CveKevTable;
  cve_epss: CveEpssTable;
  advisory_source_state: AdvisorySourceStateTable;
}
