import { createHash } from "node:crypto";
import { CompiledQuery, type Kysely, sql } from "kysely";
import PgBoss from "pg-boss";
import type { Logger } from "pino";
import type { VigilDatabase } from "../db/create-database.js";

/** The pg-boss queue of cluster scan jobs. */
export const SCAN_QUEUE = "vigil-scans";

/** What a scan job carries: the scan row is the truth, the job only points at it. */
export interface ScanJobData {
  readonly scanId: string;
}

/** Options of {@link openScanQueue}. */
export interface ScanQueueOptions {
  /**
   * How long a worker may hold a scan job before it counts as dead and the job is retried
   * (default 15 minutes). A scan that runs longer is taken over by another worker; the first
   * one then sees that at its next read of the scan and stops without writing anything.
   */
  readonly expireInSeconds?: number;
  /** Retries of a job whose worker died or failed (default 5). */
  readonly retryLimit?: number;
  /** Seconds before a retry (default 5, or the expiry when shorter). */
  readonly retryDelaySeconds?: number;
  /** How often workers look for jobs (default 2 s; pg-boss's minimum is 0.5 s). */
  readonly pollingIntervalSeconds?: number;
  /**
   * How often expired jobs are looked for, by one process at a time (default a quarter of
   * the expiry, at most 30 s).
   */
  readonly maintenanceIntervalSeconds?: number;
  /**
   * pg-boss's schema; default `pgboss`, or `<schema>_pgboss` when Vigil's tables live in
   * another schema than `public` (two installs, or parallel tests, in one database).
   */
  readonly schema?: string;
}

/** An open scan queue over the server's PostgreSQL database. */
export interface ScanQueue {
  readonly boss: PgBoss;
  /** The schema pg-boss keeps its tables in. */
  readonly schema: string;
  readonly pollingIntervalSeconds: number;
  /**
   * Sends the job of scan `scanId` through `db` (a transaction: the job exists exactly when
   * the scan row does). The job id is derived from the scan id, so sending twice is harmless.
   */
  // biome-ignore lint/suspicious/noExplicitAny: a transaction of any schema
  send(db: Kysely<any>, scanId: string): Promise<void>;
  /** Whether the job of scan `scanId` may still run it: waiting, being retried or taken. */
  alive(scanId: string): Promise<boolean>;
  /** Stops pg-boss (its workers first, waiting for their jobs up to `timeoutMs`). */
  close(timeoutMs?: number): Promise<void>;
}

/**
 * Starts pg-boss on the server's own connection pool (no second pool, same credentials and
 * search path), installs or migrates its schema when needed, and creates the scan queue. Only
 * for PostgreSQL.
 */
export async function openScanQueue(
  database: VigilDatabase,
  options: ScanQueueOptions & { readonly logger: Logger },
): Promise<ScanQueue> {
  if (database.dialect !== "postgres") {
    throw new Error(
      "the scan queue needs PostgreSQL (DATABASE_URL=postgres://…); SQLite runs scans in-process",
    );
  }
  const schema = options.schema ?? (await queueSchemaOf(database.db));
  const pollingIntervalSeconds = Math.max(0.5, options.pollingIntervalSeconds ?? 2);
  const expireInSeconds = Math.max(1, Math.round(options.expireInSeconds ?? 15 * 60));
  const retries = {
    retryLimit: Math.max(0, Math.floor(options.retryLimit ?? 5)),
    retryDelay: Math.max(0, Math.floor(options.retryDelaySeconds ?? Math.min(5, expireInSeconds))),
  };
  const boss = new PgBoss({
    db: adapterOf(database.db),
    schema,
    // our own scheduler (leader-elected) runs cron work; pg-boss's clock checks are not needed
    schedule: false,
    supervise: true,
    // a dead worker's job is noticed within a quarter of its expiry (at most every 30 s)
    maintenanceIntervalSeconds: Math.max(
      1,
      Math.round(options.maintenanceIntervalSeconds ?? Math.min(30, expireInSeconds / 4)),
    ),
    pollingIntervalSeconds,
  });
  boss.on("error", (error) => options.logger.error({ err: error }, "scan queue error"));
  await boss.start();
  await boss.createQueue(SCAN_QUEUE, {
    name: SCAN_QUEUE,
    policy: "standard",
    ...retries,
    expireInSeconds,
  });
  let closing: Promise<void> | undefined;
  return {
    boss,
    schema,
    pollingIntervalSeconds,
    async send(db, scanId) {
      // The queue's settings are those of the process that created it; a job carries its own.
      await boss.send(SCAN_QUEUE, { scanId } satisfies ScanJobData, {
        id: jobIdOf(scanId),
        ...retries,
        expireInSeconds,
        db: adapterOf(db),
      });
    },
    async alive(scanId) {
      const job = await boss.getJobById(SCAN_QUEUE, jobIdOf(scanId));
      return job !== null && ["created", "retry", "active"].includes(job.state);
    },
    close(timeoutMs = 30_000) {
      closing ??= boss.stop({ graceful: true, wait: true, close: false, timeout: timeoutMs });
      return closing;
    },
  };
}

/** The job id of a scan: a UUID (what pg-boss's id column takes) derived from the scan id. */
export function jobIdOf(scanId: string): string {
  const hex = createHash("sha256").update(`vigil-scan:${scanId}`).digest("hex");
  // RFC 4122 layout, version 8 (custom) and the variant bits, so it is a valid UUID
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((Number.parseInt(hex[16]!, 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

// biome-ignore lint/suspicious/noExplicitAny: any schema
async function queueSchemaOf(db: Kysely<any>): Promise<string> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  const current = rows[0]?.schema ?? "public";
  return current === "public" ? "pgboss" : `${current}_pgboss`;
}

/** pg-boss's database interface over a Kysely handle (the pool, or a transaction). */
// biome-ignore lint/suspicious/noExplicitAny: any schema
function adapterOf(db: Kysely<any>): PgBoss.Db {
  return {
    async executeSql(text, values) {
      const result = await db.executeQuery(CompiledQuery.raw(text, values ?? []));
      return { rows: result.rows as unknown[] as never[] };
    },
  };
}
