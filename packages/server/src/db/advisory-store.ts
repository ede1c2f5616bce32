import {
  type Advisory,
  type AdvisoryReader,
  type AdvisoryWriter,
  type AffectedHit,
  type CveEnrichment,
  normalizePackageName,
  type OsvAffected,
  type OsvRecord,
  type PackageQuery,
  packageQueryKey,
  type SourceState,
  type SyncProblem,
  type SyncSummary,
  toAdvisory,
} from "@vigil/core";
import type { Insertable, Kysely, Selectable } from "kysely";
import { ADVISORY_READ_COLUMNS, recordProblem, rowToAdvisory } from "./advisory-rows.js";
import {
  type ExportSummary,
  exportAdvisoryStore,
  type ImportSummary,
  importAdvisoryStore,
} from "./advisory-transfer.js";
import {
  idsPerStatement,
  lockAdvisoryWrites,
  upsertEpss,
  upsertKev,
  writeAdvisories,
} from "./advisory-writes.js";
import { chunks, type DatabaseDialect, dialectOf } from "./dialect.js";
import type { AffectedPackageTable, CveEpssTable, CveKevTable, VigilSchema } from "./schema.js";

/** Options of {@link createAdvisoryStore}. */
export interface AdvisoryStoreOptions {
  /**
   * Advisories buffered before they are written (default 2,000). Bigger batches mean fewer
   * statements; memory grows with it. Each flush is still chunked to the parameter limit.
   */
  readonly batchSize?: number;
}

/** What `vigil db status` shows: rows per source and per ecosystem. */
export interface AdvisoryStoreStats {
  readonly sources: readonly {
    readonly source: string;
    readonly advisories: number;
    readonly kev: number;
    readonly epss: number;
  }[];
  /** Per ecosystem base: distinct advisories and distinct (normalized) package names. */
  readonly ecosystems: readonly {
    readonly ecosystemBase: string;
    readonly advisories: number;
    readonly packages: number;
  }[];
  readonly totals: {
    readonly advisories: number;
    readonly aliases: number;
    readonly affected: number;
    readonly kev: number;
    readonly epss: number;
  };
}

/** The advisory store over Vigil's database: what matching reads, what syncs write, and more. */
export interface AdvisoryStore extends AdvisoryReader, AdvisoryWriter {
  stats(): Promise<AdvisoryStoreStats>;
  /**
   * Writes the whole store as JSON Lines (`vigil db export`): a header, source states,
   * advisories with provenance, KEV, EPSS; each group sorted by key. Read in one consistent
   * snapshot. `writeLine` gets one line without its newline; awaiting it gives backpressure.
   */
  exportAll(writeLine: (line: string) => void | Promise<void>): Promise<ExportSummary>;
  /**
   * Replaces the whole store with an export (`vigil db import`, for air-gapped clusters) in
   * one transaction: on any bad line or error nothing changes.
   */
  importAll(lines: Iterable<string> | AsyncIterable<string>): Promise<ImportSummary>;
}

/**
 * The advisory store on Kysely (SQLite or PostgreSQL).
 *
 * Ownership: every advisory row belongs to the source whose sync wrote it last. When two
 * sources publish the same id, the later sync takes the row over (its `source` changes and
 * its aliases and affected entries are replaced); a snapshot of source A deletes only rows
 * whose source is A, so it never removes what B took over. KEV and EPSS rows are owned the
 * same way, per CVE.
 */
export function createAdvisoryStore(
  db: Kysely<VigilSchema>,
  options: AdvisoryStoreOptions = {},
): AdvisoryStore {
  const dialect = dialectOf(db);
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? 2_000));

  return {
    async affectedBy(queries: readonly PackageQuery[]) {
      // One group per (base, release): OS packages ask for their exact release, so the
      // entries of other releases are filtered out by the index, not fetched and dropped.
      const groups = new Map<string, { base: string; release?: string; names: Set<string> }>();
      for (const query of queries) {
        const group = `${query.ecosystemBase}\u0000${query.release ?? "\u0000"}`;
        const entry = groups.get(group) ?? {
          base: query.ecosystemBase,
          ...(query.release !== undefined ? { release: query.release } : {}),
          names: new Set<string>(),
        };
        groups.set(group, entry);
        entry.names.add(normalizePackageName(query.ecosystemBase, query.name));
      }
      // group → normalized name → hits, in (advisory id, entry) order
      const found = new Map<string, Map<string, AffectedHit[]>>();
      for (const [group, { base, release, names }] of groups) {
        const byName = new Map<string, HitRow[]>();
        for (const part of chunks([...names], idsPerStatement(dialect))) {
          let query = db
            .selectFrom("affected_package")
            .select(["advisory_id", "ordinal", "ecosystem", "package_name", "affected_json"])
            .where("ecosystem_base", "=", base)
            .where("package_name", "in", part);
          if (release !== undefined) query = query.where("ecosystem_release", "=", release);
          for (const row of await query.execute()) {
            const hits = byName.get(row.package_name) ?? [];
            byName.set(row.package_name, hits);
            hits.push(row);
          }
        }
        // Sorted here, per package, rather than by ORDER BY: the database would sort every
        // row of the batch with its JSON payload.
        const hitsByName = new Map<string, AffectedHit[]>();
        for (const [name, rows] of byName) hitsByName.set(name, rows.sort(compareHitRows).map(storedHit));
        found.set(group, hitsByName);
      }
      const out = new Map<string, readonly AffectedHit[]>();
      for (const query of queries) {
        const group = `${query.ecosystemBase}\u0000${query.release ?? "\u0000"}`;
        const name = normalizePackageName(query.ecosystemBase, query.name);
        out.set(packageQueryKey(query), found.get(group)?.get(name) ?? []);
      }
      return out;
    },

    async advisories(ids: readonly string[]) {
      const out = new Map<string, Advisory>();
      for (const part of chunks([...new Set(ids)], idsPerStatement(dialect))) {
        const rows = await db
          .selectFrom("advisory")
          .select(["id", ...ADVISORY_READ_COLUMNS])
          .where("id", "in", part)
          .execute();
        for (const row of rows) out.set(row.id, rowToAdvisory(row));
      }
      return out;
    },

    async idsForAlias(alias: string) {
      const rows = await db
        .selectFrom("advisory_alias")
        .select("advisory_id as id")
        .where("alias", "=", alias)
        .union(db.selectFrom("advisory").select("id").where("id", "=", alias))
        .execute();
      return [...new Set(rows.map((r) => r.id))].sort();
    },

    async idsForAliases(aliases: readonly string[]) {
      const found = new Map<string, Set<string>>(aliases.map((a) => [a, new Set<string>()]));
      for (const part of chunks([...new Set(aliases)], idsPerStatement(dialect))) {
        const rows = await db
          .selectFrom("advisory_alias")
          .select(["alias", "advisory_id as id"])
          .where("alias", "in", part)
          .union(db.selectFrom("advisory").select(["id as alias", "id"]).where("id", "in", part))
          .execute();
        for (const row of rows) found.get(row.alias)?.add(row.id);
      }
      return new Map([...found].map(([alias, ids]) => [alias, [...ids].sort()]));
    },

    async enrichment(cves: readonly string[]) {
      const kev = new Map<string, NonNullable<CveEnrichment["kev"]>>();
      const epss = new Map<string, NonNullable<CveEnrichment["epss"]>>();
      for (const part of chunks([...new Set(cves)], idsPerStatement(dialect))) {
        for (const row of await db.selectFrom("cve_kev").selectAll().where("cve", "in", part).execute()) {
          kev.set(row.cve, {
            dateAdded: row.date_added,
            ...(row.due_date !== null ? { dueDate: row.due_date } : {}),
            ...(row.ransomware !== null ? { ransomware: row.ransomware === 1 } : {}),
          });
        }
        for (const row of await db.selectFrom("cve_epss").selectAll().where("cve", "in", part).execute()) {
          epss.set(row.cve, { score: row.score, percentile: row.percentile, date: row.date });
        }
      }
      const out = new Map<string, CveEnrichment>();
      for (const cve of [...new Set([...kev.keys(), ...epss.keys()])].sort()) {
        const k = kev.get(cve);
        const e = epss.get(cve);
        out.set(cve, { cve, ...(k ? { kev: k } : {}), ...(e ? { epss: e } : {}) });
      }
      return out;
    },

    async sources() {
      const rows = await db.selectFrom("advisory_source_state").selectAll().orderBy("name").execute();
      return rows.map(
        (row): SourceState => ({
          name: row.name,
          version: row.version,
          ...(row.cursor !== null ? { cursor: row.cursor } : {}),
          ...(row.last_sync_at !== null ? { lastSyncAt: row.last_sync_at } : {}),
          ...(row.last_success_at !== null ? { lastSuccessAt: row.last_success_at } : {}),
          records: row.records,
          ...(row.last_error !== null ? { lastError: row.last_error } : {}),
        }),
      );
    },

    async applySync(input) {
      const { source, result, now, onProblem, signal } = input;
      try {
        signal?.throwIfAborted();
        return await db.transaction().execute(async (trx) => {
          await lockAdvisoryWrites(trx, dialect);
          const sync = createSyncBuffer(trx, dialect, batchSize);
          let previous: Set<string> | undefined;
          if (result.mode === "snapshot") {
            const rows = await trx
              .selectFrom("advisory")
              .select("id")
              .where("source", "=", source.name)
              .execute();
            previous = new Set(rows.map((r) => r.id));
            // Everything this source owns goes; what the snapshot still holds comes back below.
            await trx.deleteFrom("advisory").where("source", "=", source.name).execute();
            await trx.deleteFrom("cve_kev").where("source", "=", source.name).execute();
            await trx.deleteFrom("cve_epss").where("source", "=", source.name).execute();
          }
          let problems = 0;
          const problem = (p: SyncProblem) => {
            problems++;
            onProblem?.(p);
          };
          for await (const item of result.items) {
            signal?.throwIfAborted();
            switch (item.kind) {
              case "advisory": {
                const reason = recordProblem(item.record);
                if (reason) {
                  const id = (item.record as Partial<OsvRecord> | null)?.id;
                  problem({
                    ...(typeof id === "string" ? { id } : {}),
                    location: item.upstreamUrl ?? source.name,
                    reason: `advisory not stored: ${reason}`,
                  });
                  break;
                }
                await sync.advisory(toAdvisory(item.record, source.name, now, item.upstreamUrl));
                break;
              }
              case "kev":
                await sync.kev({
                  cve: item.cve,
                  source: source.name,
                  date_added: item.dateAdded,
                  due_date: item.dueDate ?? null,
                  ransomware: item.ransomware === undefined ? null : item.ransomware ? 1 : 0,
                });
                break;
              case "epss":
                await sync.epss({
                  cve: item.cve,
                  source: source.name,
                  score: item.score,
                  percentile: item.percentile,
                  date: item.date,
                });
                break;
              case "problem":
                problem(item.problem);
                break;
            }
          }
          await sync.flush();
          signal?.throwIfAborted();

          const counts = await countOwned(trx, source.name);
          const cursor = result.cursor();
          const state = {
            version: source.version,
            cursor: cursor ?? null,
            last_sync_at: now,
            last_success_at: now,
            records: counts.advisories + counts.kev + counts.epss,
            last_error: null,
          };
          await trx
            .insertInto("advisory_source_state")
            .values({ name: source.name, ...state })
            .onConflict((oc) => oc.column("name").doUpdateSet(state))
            .execute();
          const removed = previous ? [...previous].filter((id) => !sync.written.has(id)).length : 0;
          const summary: SyncSummary = {
            source: source.name,
            mode: result.mode,
            advisories: sync.written.size,
            removed,
            kev: sync.kevWritten.size,
            epss: sync.epssWritten.size,
            problems,
            total: counts.advisories,
          };
          return summary;
        });
      } catch (error) {
        // The transaction has rolled back: the previous data stands. Say why, outside it.
        await recordFailure(db, source, now, error).catch(() => {});
        throw error;
      }
    },

    async stats() {
      const perSource = new Map<string, { advisories: number; kev: number; epss: number }>();
      const entry = (source: string) => {
        let e = perSource.get(source);
        if (!e) {
          e = { advisories: 0, kev: 0, epss: 0 };
          perSource.set(source, e);
        }
        return e;
      };
      for (const table of ["advisory", "cve_kev", "cve_epss"] as const) {
        const rows = await db
          .selectFrom(table)
          .select((eb) => ["source", eb.fn.countAll().as("n")])
          .groupBy("source")
          .execute();
        const field = table === "advisory" ? "advisories" : table === "cve_kev" ? "kev" : "epss";
        for (const row of rows) entry(row.source)[field] = Number(row.n);
      }
      const ecosystems = await db
        .selectFrom("affected_package")
        .select((eb) => [
          "ecosystem_base",
          eb.fn.count("advisory_id").distinct().as("advisories"),
          eb.fn.count("package_name").distinct().as("packages"),
        ])
        .groupBy("ecosystem_base")
        .orderBy("ecosystem_base")
        .execute();
      const count = async (
        table: "advisory" | "advisory_alias" | "affected_package" | "cve_kev" | "cve_epss",
      ) =>
        Number(
          (
            await db
              .selectFrom(table)
              .select((eb) => eb.fn.countAll().as("n"))
              .executeTakeFirstOrThrow()
          ).n,
        );
      return {
        sources: [...perSource]
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([source, counts]) => ({ source, ...counts })),
        ecosystems: ecosystems.map((row) => ({
          ecosystemBase: row.ecosystem_base,
          advisories: Number(row.advisories),
          packages: Number(row.packages),
        })),
        totals: {
          advisories: await count("advisory"),
          aliases: await count("advisory_alias"),
          affected: await count("affected_package"),
          kev: await count("cve_kev"),
          epss: await count("cve_epss"),
        },
      };
    },

    exportAll: (writeLine) => exportAdvisoryStore(db, writeLine),
    importAll: (lines) => importAdvisoryStore(db, lines, { batchSize }),
  };
}

/**
 * A hit whose `affected` entry (and the name spelled as the advisory wrote it) is parsed on
 * first access. Matching reads the entries of its own release only (a Debian package's hits
 * span every Debian release), so most are never parsed. Own enumerable accessors: spreading
 * or comparing a hit sees the parsed values.
 */
function storedHit(row: HitRow): AffectedHit {
  const json = row.affected_json;
  let parsed: OsvAffected | undefined;
  return {
    advisoryId: row.advisory_id,
    ecosystem: row.ecosystem,
    get name() {
      parsed ??= JSON.parse(json) as OsvAffected;
      return parsed.package?.name ?? "";
    },
    get affected() {
      parsed ??= JSON.parse(json) as OsvAffected;
      return parsed;
    },
  };
}

/** The columns of `affected_package` a lookup reads. */
type HitRow = Pick<
  Selectable<AffectedPackageTable>,
  "advisory_id" | "ordinal" | "ecosystem" | "package_name" | "affected_json"
>;

/** By advisory id (byte order, as the databases sort it), then position in the record. */
function compareHitRows(a: HitRow, b: HitRow): number {
  if (a.advisory_id !== b.advisory_id) return a.advisory_id < b.advisory_id ? -1 : 1;
  return a.ordinal - b.ordinal;
}

/**
 * Buffers one sync's writes and flushes them in batches. Within a batch the last item for an
 * id (or CVE) wins; across batches the later write replaces the earlier one.
 */
function createSyncBuffer(db: Kysely<VigilSchema>, dialect: DatabaseDialect, batchSize: number) {
  let advisories = new Map<string, Advisory>();
  let kev = new Map<string, Insertable<CveKevTable>>();
  let epss = new Map<string, Insertable<CveEpssTable>>();
  const written = new Set<string>();
  const kevWritten = new Set<string>();
  const epssWritten = new Set<string>();
  const flushAdvisories = async () => {
    if (advisories.size === 0) return;
    const batch = [...advisories.values()];
    advisories = new Map();
    await writeAdvisories(db, dialect, batch);
  };
  return {
    written,
    kevWritten,
    epssWritten,
    async advisory(advisory: Advisory) {
      advisories.set(advisory.record.id, advisory);
      written.add(advisory.record.id);
      if (advisories.size >= batchSize) await flushAdvisories();
    },
    async kev(row: Insertable<CveKevTable>) {
      kev.set(row.cve, row);
      kevWritten.add(row.cve);
      if (kev.size >= batchSize) {
        await upsertKev(db, dialect, [...kev.values()]);
        kev = new Map();
      }
    },
    async epss(row: Insertable<CveEpssTable>) {
      epss.set(row.cve, row);
      epssWritten.add(row.cve);
      if (epss.size >= batchSize) {
        await upsertEpss(db, dialect, [...epss.values()]);
        epss = new Map();
      }
    },
    async flush() {
      await flushAdvisories();
      await upsertKev(db, dialect, [...kev.values()]);
      kev = new Map();
      await upsertEpss(db, dialect, [...epss.values()]);
      epss = new Map();
    },
  };
}

async function countOwned(db: Kysely<VigilSchema>, source: string) {
  const count = async (table: "advisory" | "cve_kev" | "cve_epss") =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as("n"))
          .where("source", "=", source)
          .executeTakeFirstOrThrow()
      ).n,
    );
  return { advisories: await count("advisory"), kev: await count("cve_kev"), epss: await count("cve_epss") };
}

/** Most characters of an error message kept in `last_error`. */
const MAX_ERROR_LENGTH = 2_000;

/** Records a failed sync: `last_sync_at` and `last_error`; data, cursor and last success stay. */
async function recordFailure(
  db: Kysely<VigilSchema>,
  source: { readonly name: string; readonly version: number },
  now: string,
  error: unknown,
): Promise<void> {
  const message = describeError(error).slice(0, MAX_ERROR_LENGTH);
  await db
    .insertInto("advisory_source_state")
    .values({
      name: source.name,
      version: source.version,
      cursor: null,
      last_sync_at: now,
      last_success_at: null,
      records: 0,
      last_error: message,
    })
    .onConflict((oc) => oc.column("name").doUpdateSet({ last_sync_at: now, last_error: message }))
    .execute();
}

/** `Name: message` along the cause chain, for a person reading `vigil db status`. */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    if (current instanceof Error) {
      parts.push(
        current.name && current.name !== "Error" ? `${current.name}: ${current.message}` : current.message,
      );
      current = current.cause;
    } else {
      parts.push(String(current));
      current = undefined;
    }
  }
  return parts.join(" <- ");
}
