import type { SeverityLevel } from "@vigil/core";
import type { Kysely, Selectable } from "kysely";
import type { VigilSchema } from "../db/schema.js";
import { fromFlag, fromJson, orNull, present, toFlag, toJson } from "./column-values.js";
import { conflictAs } from "./store-errors.js";
import { type ScanPoliciesTable, storeDb } from "./store-schema.js";

/** A scan execution policy (ARCHITECTURE.md section 6), as stored. */
export interface ScanPolicyRecord {
  readonly id: string;
  /** Unique. */
  readonly name: string;
  readonly enabled: boolean;
  /** Cron expression. */
  readonly cadence: string;
  /** IANA time zone the cadence is read in (`UTC`, `Europe/Berlin`). */
  readonly timezone: string;
  /** Cluster ids; empty: every cluster. */
  readonly clusters: readonly string[];
  /** Namespaces; empty: every namespace. */
  readonly namespaces: readonly string[];
  readonly severityThreshold: SeverityLevel;
  /** The policy's YAML as written, kept so it can be shown and edited as it was. */
  readonly yaml: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly lastRunAt?: string;
  /** When the scheduler runs it next; absent while disabled or not yet planned. */
  readonly nextRunAt?: string;
}

/** The configured fields of a policy (what create and update take). */
export type ScanPolicyFields = Omit<ScanPolicyRecord, "id" | "createdAt" | "updatedAt" | "lastRunAt">;

/** Scan execution policies. */
export interface ScanPolicyRepository {
  /** @throws StoreConflictError when the id or the name is taken. */
  create(
    policy: ScanPolicyFields & { readonly id: string; readonly createdAt: string },
  ): Promise<ScanPolicyRecord>;
  get(id: string): Promise<ScanPolicyRecord | undefined>;
  getByName(name: string): Promise<ScanPolicyRecord | undefined>;
  /** Every policy, by name. */
  list(): Promise<ScanPolicyRecord[]>;
  /**
   * Replaces the configured fields; `lastRunAt` and `createdAt` stay. Undefined when there is
   * no such policy.
   * @throws StoreConflictError when the new name is another policy's.
   */
  update(
    id: string,
    policy: ScanPolicyFields & { readonly updatedAt: string },
  ): Promise<ScanPolicyRecord | undefined>;
  /** False when there was no such policy. Scans it started keep existing, without a policy. */
  delete(id: string): Promise<boolean>;
  /**
   * Records a run (`at`; absent when nothing ran and only the next run is planned) and sets
   * `nextRunAt`. With `previousNextRunAt` (null: none was planned), only when the stored next
   * run is still that one: of several server processes serving the same due run, exactly one
   * succeeds (the scheduler's `markRun`). False when nothing was written.
   */
  recordRun(
    id: string,
    run: {
      readonly at?: string;
      readonly nextRunAt?: string;
      readonly previousNextRunAt?: string | null;
    },
  ): Promise<boolean>;
  /** Enabled policies whose next run is at or before `now`, soonest first. */
  listDue(now: string): Promise<ScanPolicyRecord[]>;
}

/** The scan policy repository over Vigil's database. */
export function createScanPolicyRepository(database: Kysely<VigilSchema>): ScanPolicyRepository {
  const db = storeDb(database);
  const getBy = async (column: "id" | "name", value: string) => {
    const row = await db.selectFrom("scan_policies").selectAll().where(column, "=", value).executeTakeFirst();
    return row ? toPolicy(row) : undefined;
  };
  return {
    async create(policy) {
      await conflictAs(
        `a scan policy with the id ${policy.id} or the name ${policy.name} exists already`,
        () =>
          db
            .insertInto("scan_policies")
            .values({
              id: policy.id,
              ...fieldColumns(policy),
              created_at: policy.createdAt,
              updated_at: policy.createdAt,
              last_run_at: null,
            })
            .execute(),
      );
      return (await getBy("id", policy.id))!;
    },
    get: (id) => getBy("id", id),
    getByName: (name) => getBy("name", name),
    async list() {
      return (await db.selectFrom("scan_policies").selectAll().orderBy("name").execute()).map(toPolicy);
    },
    async update(id, policy) {
      const result = await conflictAs(`another scan policy is named ${policy.name}`, () =>
        db
          .updateTable("scan_policies")
          .set({ ...fieldColumns(policy), updated_at: policy.updatedAt })
          .where("id", "=", id)
          .executeTakeFirst(),
      );
      return result.numUpdatedRows > 0n ? getBy("id", id) : undefined;
    },
    async delete(id) {
      const result = await db.deleteFrom("scan_policies").where("id", "=", id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
    async recordRun(id, run) {
      let update = db
        .updateTable("scan_policies")
        .set({ ...(run.at !== undefined ? { last_run_at: run.at } : {}), next_run_at: orNull(run.nextRunAt) })
        .where("id", "=", id);
      if (run.previousNextRunAt !== undefined) {
        update =
          run.previousNextRunAt === null
            ? update.where("next_run_at", "is", null)
            : update.where("next_run_at", "=", run.previousNextRunAt);
      }
      const result = await update.executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
    async listDue(now) {
      const rows = await db
        .selectFrom("scan_policies")
        .selectAll()
        .where("enabled", "=", 1)
        .where("next_run_at", "<=", now)
        .orderBy("next_run_at")
        .orderBy("id")
        .execute();
      return rows.map(toPolicy);
    },
  };
}

function fieldColumns(policy: ScanPolicyFields) {
  return {
    name: policy.name,
    enabled: toFlag(policy.enabled),
    cadence: policy.cadence,
    timezone: policy.timezone,
    clusters_json: toJson(policy.clusters),
    namespaces_json: toJson(policy.namespaces),
    severity_threshold: policy.severityThreshold,
    yaml: policy.yaml,
    next_run_at: orNull(policy.nextRunAt),
  };
}

function toPolicy(row: Selectable<ScanPoliciesTable>): ScanPolicyRecord {
  return {
    id: row.id,
    name: row.name,
    enabled: fromFlag(row.enabled),
    cadence: row.cadence,
    timezone: row.timezone,
    clusters: fromJson<string[]>(row.clusters_json),
    namespaces: fromJson<string[]>(row.namespaces_json),
    severityThreshold: row.severity_threshold as SeverityLevel,
    yaml: row.yaml,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...present("lastRunAt", row.last_run_at),
    ...present("nextRunAt", row.next_run_at),
  };
}
