import {
  type Advisory,
  type AdvisorySeverity,
  ecosystemKey,
  normalizePackageName,
  type OsvRecord,
  type SeverityLevel,
  type SeveritySource,
} from "@vigil/core";
import type { Insertable, Selectable } from "kysely";
import type { AdvisoryAliasTable, AdvisoryTable, AffectedPackageTable } from "./schema.js";

/** The `advisory` row of an advisory. */
export function advisoryRow(advisory: Advisory): Insertable<AdvisoryTable> {
  const { record, severity } = advisory;
  return {
    id: record.id,
    source: advisory.source,
    modified: record.modified,
    published: record.published ?? null,
    withdrawn: record.withdrawn ?? null,
    summary: record.summary ?? null,
    severity_level: severity.level,
    severity_source: severity.source,
    severity_score: severity.score ?? null,
    severity_vector: severity.vector ?? null,
    severity_raw: severity.raw ?? null,
    record_json: JSON.stringify(record),
    upstream_url: advisory.upstreamUrl ?? null,
    fetched_at: advisory.fetchedAt,
  };
}

/** One row per distinct id in the record's `aliases` and `upstream` lists. */
export function aliasRows(record: OsvRecord): Insertable<AdvisoryAliasTable>[] {
  const aliases = new Set([...(record.aliases ?? []), ...(record.upstream ?? [])]);
  return [...aliases].map((alias) => ({ advisory_id: record.id, alias }));
}

/**
 * One row per `affected` entry that names a package. A withdrawn advisory gets none: it stays
 * readable by id and alias, but matching never sees it.
 */
export function affectedRows(record: OsvRecord): Insertable<AffectedPackageTable>[] {
  if (record.withdrawn) return [];
  const rows: Insertable<AffectedPackageTable>[] = [];
  (record.affected ?? []).forEach((affected, ordinal) => {
    if (!affected.package) return;
    const key = ecosystemKey(affected.package.ecosystem);
    rows.push({
      advisory_id: record.id,
      ordinal,
      ecosystem: affected.package.ecosystem,
      ecosystem_base: key.base,
      ecosystem_release: key.release ?? null,
      package_name: normalizePackageName(key.base, affected.package.name),
      affected_json: JSON.stringify(affected),
    });
  });
  return rows;
}

/** Columns {@link rowToAdvisory} reads. */
export const ADVISORY_READ_COLUMNS = [
  "source",
  "fetched_at",
  "upstream_url",
  "severity_level",
  "severity_source",
  "severity_score",
  "severity_vector",
  "severity_raw",
  "record_json",
] as const;

/** An advisory read back from its row: the record exactly as stored, provenance and severity. */
export function rowToAdvisory(
  row: Pick<Selectable<AdvisoryTable>, (typeof ADVISORY_READ_COLUMNS)[number]>,
): Advisory {
  return {
    record: JSON.parse(row.record_json) as OsvRecord,
    source: row.source,
    fetchedAt: row.fetched_at,
    ...(row.upstream_url !== null ? { upstreamUrl: row.upstream_url } : {}),
    severity: rowToSeverity(row),
  };
}

/** The stored severity of an advisory row (absent optional fields left out, not null). */
export function rowToSeverity(
  row: Pick<
    Selectable<AdvisoryTable>,
    "severity_level" | "severity_source" | "severity_score" | "severity_vector" | "severity_raw"
  >,
): AdvisorySeverity {
  return {
    level: row.severity_level as SeverityLevel,
    source: row.severity_source as SeveritySource,
    ...(row.severity_score !== null ? { score: row.severity_score } : {}),
    ...(row.severity_vector !== null ? { vector: row.severity_vector } : {}),
    ...(row.severity_raw !== null ? { raw: row.severity_raw } : {}),
  };
}

/**
 * Why a record that claims to be OSV cannot be stored, or undefined when it can. Checks only
 * what the store itself relies on (id, modified, the lists it indexes); sources validate the rest.
 */
export function recordProblem(record: unknown): string | undefined {
  if (typeof record !== "object" || record === null || Array.isArray(record)) return "not a JSON object";
  const r = record as Record<string, unknown>;
  if (typeof r.id !== "string" || r.id === "") return "no id";
  if (typeof r.modified !== "string" || r.modified === "") return "no modified time";
  for (const field of ["published", "withdrawn", "summary"] as const) {
    if (r[field] !== undefined && typeof r[field] !== "string") return `${field} is not a string`;
  }
  for (const field of ["aliases", "upstream"] as const) {
    const list = r[field];
    if (list !== undefined && !(Array.isArray(list) && list.every((a) => typeof a === "string"))) {
      return `${field} is not a list of strings`;
    }
  }
  if (r.affected === undefined) return undefined;
  if (!Array.isArray(r.affected)) return "affected is not a list";
  for (const [i, entry] of r.affected.entries()) {
    if (typeof entry !== "object" || entry === null) return `affected[${i}] is not an object`;
    const pkg = (entry as Record<string, unknown>).package;
    if (pkg === undefined) continue;
    const p = pkg as Record<string, unknown> | null;
    if (
      typeof p !== "object" ||
      p === null ||
      typeof p.ecosystem !== "string" ||
      typeof p.name !== "string"
    ) {
      return `affected[${i}].package lacks an ecosystem or name`;
    }
  }
  return undefined;
}
