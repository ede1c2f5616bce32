import {
  type Advisory,
  type AdvisorySeverity,
  type OsvRecord,
  SEVERITY_LEVELS,
  type SeverityLevel,
  type SeveritySource,
} from "@vigil/core";
import { type Insertable, type Kysely, sql } from "kysely";
import { ADVISORY_READ_COLUMNS, recordProblem, rowToSeverity } from "./advisory-rows.js";
import { lockAdvisoryWrites, upsertEpss, upsertKev, writeAdvisories } from "./advisory-writes.js";
import { chunks, dialectOf } from "./dialect.js";
import type { AdvisorySourceStateTable, CveEpssTable, CveKevTable, VigilSchema } from "./schema.js";

/** `format` of an export's header line. */
export const EXPORT_FORMAT = "vigil-advisory-store";
/** Version of the export format; an import refuses any other. */
export const EXPORT_VERSION = 1;

/** Rows of each kind an export wrote or an import read. */
export interface TransferSummary {
  readonly sources: number;
  readonly advisories: number;
  readonly kev: number;
  readonly epss: number;
}
/** What {@link exportAdvisoryStore} wrote. */
export type ExportSummary = TransferSummary;
/** What {@link importAdvisoryStore} stored. */
export type ImportSummary = TransferSummary;

/** An import line that cannot be used; nothing was imported. */
export class AdvisoryImportError extends Error {
  override readonly name = "AdvisoryImportError";
  constructor(
    message: string,
    /** 1-based line of the input, when one line is at fault. */
    readonly line?: number,
    options?: { cause?: unknown },
  ) {
    super(line === undefined ? message : `line ${line}: ${message}`, options);
  }
}

/** Rows read per query while exporting (keyset pages, so memory stays flat). */
const PAGE = 1_000;

/**
 * Writes the store as JSON Lines: `{"format","version"}`, then `source`, `advisory`, `kev`
 * and `epss` lines, each group sorted by key (byte order on both dialects). Advisory lines carry
 * the stored record text unchanged, so an export of an import is byte-identical. Reads inside
 * one transaction (REPEATABLE READ on PostgreSQL, a WAL read snapshot on SQLite).
 */
export async function exportAdvisoryStore(
  db: Kysely<VigilSchema>,
  writeLine: (line: string) => void | Promise<void>,
): Promise<ExportSummary> {
  const dialect = dialectOf(db);
  return db.connection().execute(async (conn) => {
    await sql
      .raw(dialect === "postgres" ? "begin transaction isolation level repeatable read read only" : "begin")
      .execute(conn);
    try {
      const summary = { sources: 0, advisories: 0, kev: 0, epss: 0 };
      await writeLine(JSON.stringify({ format: EXPORT_FORMAT, version: EXPORT_VERSION }));
      for (const row of await conn
        .selectFrom("advisory_source_state")
        .selectAll()
        .orderBy("name")
        .execute()) {
        await writeLine(
          JSON.stringify({
            type: "source",
            name: row.name,
            version: row.version,
            cursor: row.cursor,
            lastSyncAt: row.last_sync_at,
            lastSuccessAt: row.last_success_at,
            records: row.records,
            lastError: row.last_error,
          }),
        );
        summary.sources++;
      }
      for (let after: string | undefined; ; ) {
        let query = conn
          .selectFrom("advisory")
          .select(["id", ...ADVISORY_READ_COLUMNS])
          .orderBy("id")
          .limit(PAGE);
        if (after !== undefined) query = query.where("id", ">", after);
        const rows = await query.execute();
        for (const row of rows) {
          const severity = rowToSeverity(row);
          const head = JSON.stringify({
            type: "advisory",
            source: row.source,
            fetchedAt: row.fetched_at,
            ...(row.upstream_url !== null ? { upstreamUrl: row.upstream_url } : {}),
            severity,
          });
          // the record text as stored: no parse and re-serialize of the biggest part
          await writeLine(`${head.slice(0, -1)},"record":${row.record_json}}`);
          summary.advisories++;
        }
        if (rows.length < PAGE) break;
        after = rows[rows.length - 1]!.id;
      }
      for (let after: string | undefined; ; ) {
        let query = conn.selectFrom("cve_kev").selectAll().orderBy("cve").limit(PAGE);
        if (after !== undefined) query = query.where("cve", ">", after);
        const rows = await query.execute();
        for (const row of rows) {
          await writeLine(
            JSON.stringify({
              type: "kev",
              source: row.source,
              cve: row.cve,
              dateAdded: row.date_added,
              ...(row.due_date !== null ? { dueDate: row.due_date } : {}),
              ...(row.ransomware !== null ? { ransomware: row.ransomware === 1 } : {}),
            }),
          );
          summary.kev++;
        }
        if (rows.length < PAGE) break;
        after = rows[rows.length - 1]!.cve;
      }
      for (let after: string | undefined; ; ) {
        let query = conn.selectFrom("cve_epss").selectAll().orderBy("cve").limit(PAGE);
        if (after !== undefined) query = query.where("cve", ">", after);
        const rows = await query.execute();
        for (const row of rows) {
          await writeLine(
            JSON.stringify({
              type: "epss",
              source: row.source,
              cve: row.cve,
              score: row.score,
              percentile: row.percentile,
              date: row.date,
            }),
          );
          summary.epss++;
        }
        if (rows.length < PAGE) break;
        after = rows[rows.length - 1]!.cve;
      }
      await sql.raw("commit").execute(conn);
      return summary;
    } catch (error) {
      await sql
        .raw("rollback")
        .execute(conn)
        .catch(() => {});
      throw error;
    }
  });
}

/**
 * Replaces every advisory, KEV, EPSS and source-state row with the export read from `lines`,
 * in one transaction. The whole input is checked as it is read; the first bad line aborts the
 * import with an {@link AdvisoryImportError} and the store is left as it was.
 */
export async function importAdvisoryStore(
  db: Kysely<VigilSchema>,
  lines: Iterable<string> | AsyncIterable<string>,
  options: { readonly batchSize: number },
): Promise<ImportSummary> {
  const dialect = dialectOf(db);
  return db.transaction().execute(async (trx) => {
    await lockAdvisoryWrites(trx, dialect);
    await trx.deleteFrom("advisory").execute();
    await trx.deleteFrom("cve_kev").execute();
    await trx.deleteFrom("cve_epss").execute();
    await trx.deleteFrom("advisory_source_state").execute();

    const seen = { advisory: new Set<string>(), kev: new Set<string>(), epss: new Set<string>() };
    const states: Insertable<AdvisorySourceStateTable>[] = [];
    let advisories: Advisory[] = [];
    let kev: Insertable<CveKevTable>[] = [];
    let epss: Insertable<CveEpssTable>[] = [];
    let number = 0;
    let header = false;
    for await (const text of lines) {
      number++;
      if (text.trim() === "") continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (cause) {
        throw new AdvisoryImportError("not JSON", number, { cause });
      }
      if (!isObject(value)) throw new AdvisoryImportError("not a JSON object", number);
      if (!header) {
        if (value.format !== EXPORT_FORMAT) {
          throw new AdvisoryImportError(
            `not a Vigil advisory export (no "format": "${EXPORT_FORMAT}" header)`,
            number,
          );
        }
        if (value.version !== EXPORT_VERSION) {
          throw new AdvisoryImportError(
            `export format version ${String(value.version)} is not supported (this Vigil reads version ${EXPORT_VERSION})`,
            number,
          );
        }
        header = true;
        continue;
      }
      const fail = (reason: string): never => {
        throw new AdvisoryImportError(reason, number);
      };
      const unique = (set: Set<string>, key: string, what: string) => {
        if (set.has(key)) fail(`${what} ${key} appears twice`);
        set.add(key);
      };
      switch (value.type) {
        case "source":
          states.push({
            name: str(value.name) ?? fail("source without a name"),
            version: typeof value.version === "number" ? value.version : fail("source without a version"),
            cursor: optStr(value.cursor, "cursor", fail),
            last_sync_at: optStr(value.lastSyncAt, "lastSyncAt", fail),
            last_success_at: optStr(value.lastSuccessAt, "lastSuccessAt", fail),
            records: typeof value.records === "number" ? value.records : fail("source without records"),
            last_error: optStr(value.lastError, "lastError", fail),
          });
          break;
        case "advisory": {
          const reason = recordProblem(value.record);
          if (reason) fail(`bad advisory record: ${reason}`);
          const record = value.record as OsvRecord;
          unique(seen.advisory, record.id, "advisory");
          advisories.push({
            record,
            source: str(value.source) ?? fail("advisory without a source"),
            fetchedAt: str(value.fetchedAt) ?? fail("advisory without fetchedAt"),
            ...(typeof value.upstreamUrl === "string" ? { upstreamUrl: value.upstreamUrl } : {}),
            severity: severityOf(value.severity) ?? fail("advisory without a valid severity"),
          });
          if (advisories.length >= options.batchSize) {
            await writeAdvisories(trx, dialect, advisories, { replace: false });
            advisories = [];
          }
          break;
        }
        case "kev": {
          const cve = str(value.cve) ?? fail("kev line without a cve");
          unique(seen.kev, cve, "kev entry for");
          kev.push({
            cve,
            source: str(value.source) ?? fail("kev line without a source"),
            date_added: str(value.dateAdded) ?? fail("kev line without dateAdded"),
            due_date: optStr(value.dueDate, "dueDate", fail),
            ransomware: typeof value.ransomware === "boolean" ? (value.ransomware ? 1 : 0) : null,
          });
          if (kev.length >= options.batchSize) {
            await upsertKev(trx, dialect, kev);
            kev = [];
          }
          break;
        }
        case "epss": {
          const cve = str(value.cve) ?? fail("epss line without a cve");
          unique(seen.epss, cve, "epss entry for");
          epss.push({
            cve,
            source: str(value.source) ?? fail("epss line without a source"),
            score: typeof value.score === "number" ? value.score : fail("epss line without a score"),
            percentile:
              typeof value.percentile === "number"
                ? value.percentile
                : fail("epss line without a percentile"),
            date: str(value.date) ?? fail("epss line without a date"),
          });
          if (epss.length >= options.batchSize) {
            await upsertEpss(trx, dialect, epss);
            epss = [];
          }
          break;
        }
        default:
          fail(`unknown line type ${JSON.stringify(value.type)}`);
      }
    }
    if (!header) throw new AdvisoryImportError("empty input: no export header");
    await writeAdvisories(trx, dialect, advisories, { replace: false });
    await upsertKev(trx, dialect, kev);
    await upsertEpss(trx, dialect, epss);
    for (const part of chunks(states, 100))
      await trx.insertInto("advisory_source_state").values(part).execute();
    return {
      sources: states.length,
      advisories: seen.advisory.size,
      kev: seen.kev.size,
      epss: seen.epss.size,
    };
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function optStr(value: unknown, field: string, fail: (reason: string) => never): string | null {
  if (value === undefined || value === null) return null;
  return typeof value === "string" ? value : fail(`${field} is not a string`);
}

function severityOf(value: unknown): AdvisorySeverity | undefined {
  if (!isObject(value)) return undefined;
  if (!(SEVERITY_LEVELS as readonly unknown[]).includes(value.level) || typeof value.source !== "string") {
    return undefined;
  }
  return {
    level: value.level as SeverityLevel,
    source: value.source as SeveritySource,
    ...(typeof value.score === "number" ? { score: value.score } : {}),
    ...(typeof value.vector === "string" ? { vector: value.vector } : {}),
    ...(typeof value.raw === "string" ? { raw: value.raw } : {}),
  };
}
