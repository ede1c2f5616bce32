import { type Kysely, sql } from "kysely";
import { createKeyedLock, type KeyedLock } from "../scans/keyed-lock.js";
import type { VigilSchema } from "./schema.js";

/**
 * The first key of Vigil's PostgreSQL advisory locks (`pg_advisory_lock(space, key)`): one per
 * kind of thing locked, so a cluster id and a digest that hash alike never block each other.
 * 0x5649 is "VI"; other programs sharing the database are unlikely to use these.
 */
export const ADVISORY_LOCK_SPACES = {
  /** The scheduler's leader (one per database schema). */
  scheduler: 0x56490001,
  /** Starting a scan of a cluster: one queued or running scan per cluster. */
  clusterStart: 0x56490002,
  /** A cluster's findings step (scans and advisory-update re-matches). */
  findings: 0x56490003,
  /** Pulling and extracting one image digest. */
  digest: 0x56490004,
  /** Taking in one agent delivery (a scan's result), whichever server it reaches. */
  agentIntake: 0x56490005,
} as const;

/** One of {@link ADVISORY_LOCK_SPACES}. */
export type AdvisoryLockSpace = (typeof ADVISORY_LOCK_SPACES)[keyof typeof ADVISORY_LOCK_SPACES];

/**
 * The second key of a lock on `key`: its hash within the current schema, so that two Vigil
 * installs in two schemas of one database (and parallel test files) never share a lock.
 * Advisory locks are per database, not per schema.
 */
export function lockKeySql(key: string) {
  return sql<number>`hashtext(current_schema() || ':' || ${key})`;
}

/**
 * Takes the transaction-level lock of `key` in `space`: held until the transaction ends, so
 * a process that dies mid-way releases it with its connection.
 */
export async function lockInTransaction(
  trx: Kysely<VigilSchema>,
  space: AdvisoryLockSpace,
  key: string,
): Promise<void> {
  await sql`select pg_advisory_xact_lock(${sql.lit(space)}, ${lockKeySql(key)})`.execute(trx);
}

/** Options of {@link createAdvisoryKeyedLock}. */
export interface AdvisoryKeyedLockOptions {
  /** How often a waiter tries again; default 200 ms. */
  readonly retryMs?: number;
}

/**
 * A {@link KeyedLock} across processes: work for one key runs in one process at a time, on any
 * number of machines sharing the PostgreSQL database. Within the process an in-memory lock
 * orders callers first; the process then holds a session-level advisory lock on one pooled
 * connection for the duration of `work` (which uses other connections as it likes).
 *
 * Waiters poll with `pg_try_advisory_lock` instead of blocking in `pg_advisory_lock`: a
 * blocked waiter would hold a pooled connection doing nothing, and enough of them would leave
 * the lock holders no connection to finish with. A holder that dies releases the lock with its
 * connection.
 */
export function createAdvisoryKeyedLock(
  db: Kysely<VigilSchema>,
  space: AdvisoryLockSpace,
  options: AdvisoryKeyedLockOptions = {},
): KeyedLock {
  const local = createKeyedLock();
  const retryMs = Math.max(10, options.retryMs ?? 200);
  return {
    run(key, work) {
      return local.run(key, async () => {
        for (;;) {
          const done = await db.connection().execute(async (conn) => {
            const { rows } = await sql<{
              locked: boolean;
            }>`select pg_try_advisory_lock(${sql.lit(space)}, ${lockKeySql(key)}) as locked`.execute(conn);
            if (!rows[0]?.locked) return undefined;
            try {
              return { value: await work() };
            } finally {
              await sql`select pg_advisory_unlock(${sql.lit(space)}, ${lockKeySql(key)})`
                .execute(conn)
                .catch(() => undefined);
            }
          });
          if (done) return done.value;
          await new Promise((resolve) => setTimeout(resolve, retryMs));
        }
      });
    },
  };
}
