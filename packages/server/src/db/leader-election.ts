import { type Kysely, sql } from "kysely";
import type { Logger } from "pino";
import { ADVISORY_LOCK_SPACES, lockKeySql } from "./advisory-locks.js";
import type { VigilSchema } from "./schema.js";

/** Options of {@link createLeaderElection}. */
export interface LeaderElectionOptions {
  readonly db: Kysely<VigilSchema>;
  /** What is led, e.g. `scheduler`: one leader per name (and database schema). */
  readonly name: string;
  /**
   * How often a follower tries to become leader, and how often the leader checks that its
   * connection (which holds the lock) is alive; default 5 s.
   */
  readonly retryMs?: number;
  /** Called when this process becomes leader (true) or stops being it (false); awaited. */
  readonly onChange: (leader: boolean) => void | Promise<void>;
  readonly logger: Logger;
}

/** A running election. */
export interface LeaderElection {
  /** Whether this process leads now. */
  isLeader(): boolean;
  /** Resolves once the first try has settled (so a lone process leads when `start` returns). */
  readonly firstTry: Promise<void>;
  /** Stops leading or trying; resolves after `onChange(false)` when this process led. */
  stop(): Promise<void>;
}

/**
 * Elects one leader among processes sharing a PostgreSQL database: the process that holds the
 * session-level advisory lock of `name` on a connection of its own. The lock lives exactly as
 * long as that connection, so when the leader dies (or its connection drops) PostgreSQL
 * releases it and the next follower to try takes over, within `retryMs`. The leader pings its
 * connection every `retryMs` and steps down when the ping fails: it may then overlap with a
 * new leader for at most that long, which the things it leads (the scheduler) tolerate, since
 * starting a scan of a cluster that has one returns the one there is.
 */
export function createLeaderElection(options: LeaderElectionOptions): LeaderElection {
  const retryMs = Math.max(10, options.retryMs ?? 5000);
  const stopController = new AbortController();
  let leader = false;
  let settleFirst!: () => void;
  const firstTry = new Promise<void>((resolve) => {
    settleFirst = resolve;
  });
  const space = sql.lit(ADVISORY_LOCK_SPACES.scheduler);
  const key = lockKeySql(`leader:${options.name}`);

  const setLeader = async (value: boolean) => {
    if (leader === value) return;
    leader = value;
    options.logger.info(
      { leader: value, name: options.name },
      value ? "became the leader" : "no longer the leader",
    );
    try {
      await options.onChange(value);
    } catch (error) {
      options.logger.error({ err: error, name: options.name }, "the leader change failed");
    }
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (stopController.signal.aborted) return resolve();
      const timer = setTimeout(resolve, ms);
      stopController.signal.addEventListener(
        "abort",
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });

  async function tryOnce(): Promise<void> {
    await options.db.connection().execute(async (conn) => {
      const { rows } = await sql<{
        locked: boolean;
      }>`select pg_try_advisory_lock(${space}, ${key}) as locked`.execute(conn);
      if (!rows[0]?.locked) return;
      try {
        await setLeader(true);
        settleFirst();
        while (!stopController.signal.aborted) {
          await sleep(retryMs);
          // throws when the connection, and with it the lock, is gone
          await sql`select 1`.execute(conn);
        }
      } finally {
        await setLeader(false);
        await sql`select pg_advisory_unlock(${space}, ${key})`.execute(conn).catch(() => undefined);
      }
    });
  }

  const loop = (async () => {
    while (!stopController.signal.aborted) {
      try {
        await tryOnce();
      } catch (error) {
        options.logger.warn(
          { err: error, name: options.name },
          "leader election: the lock's connection failed",
        );
      }
      settleFirst();
      await sleep(retryMs);
    }
  })();

  return {
    isLeader: () => leader,
    firstTry,
    async stop() {
      stopController.abort();
      settleFirst();
      await loop;
    },
  };
}
