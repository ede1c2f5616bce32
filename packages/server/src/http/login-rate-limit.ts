import { createHash } from "node:crypto";
import type { Kysely } from "kysely";
import type { VigilSchema } from "../db/schema.js";
import { storeDb } from "../store/store-schema.js";

/**
 * Counts failed sign-ins per key (an email, a client address) in a sliding window, so that
 * guessing passwords is slow: after `maxFailures` within `windowMs`, a key is refused until
 * its oldest failure leaves the window.
 *
 * Kept in the database, so every server sharing it counts the same failures (an attacker
 * behind a load balancer does not get the limit once per process) and a restart forgets
 * nothing. Keys are stored as SHA-256: failed sign-ins hold mistyped emails, sometimes a
 * password typed in the wrong field.
 */
export interface LoginRateLimit {
  /** Seconds until `key` may try again, or 0 when it may now. */
  retryAfter(key: string): Promise<number>;
  /** Notes a failure of `key`. */
  fail(key: string): Promise<void>;
  /** Forgets `key`'s failures (a successful sign-in of that email). */
  reset(key: string): Promise<void>;
}

/** Options of {@link createLoginRateLimit}. */
export interface LoginRateLimitOptions {
  /** Default 5. */
  readonly maxFailures?: number;
  /** Default 15 minutes. */
  readonly windowMs?: number;
  readonly now: () => Date;
}

/** A sliding-window limit over the `login_failures` table. */
export function createLoginRateLimit(
  database: Kysely<VigilSchema>,
  options: LoginRateLimitOptions,
): LoginRateLimit {
  const db = storeDb(database);
  const maxFailures = Math.max(1, options.maxFailures ?? 5);
  const windowMs = options.windowMs ?? 15 * 60_000;
  const since = (at: Date) => new Date(at.getTime() - windowMs).toISOString();
  return {
    async retryAfter(key) {
      const now = options.now();
      // the newest `maxFailures` failures in the window: the oldest of them leaves it first
      const recent = await db
        .selectFrom("login_failures")
        .select("at")
        .where("key_hash", "=", hashKey(key))
        .where("at", ">", since(now))
        .orderBy("at", "desc")
        .limit(maxFailures)
        .execute();
      if (recent.length < maxFailures) return 0;
      const leaves = Date.parse(recent[maxFailures - 1]!.at) + windowMs;
      return Math.max(1, Math.ceil((leaves - now.getTime()) / 1000));
    },

    async fail(key) {
      const now = options.now();
      await db
        .insertInto("login_failures")
        .values({ key_hash: hashKey(key), at: now.toISOString() })
        .execute();
      // what left the window counts for nothing: made-up emails must not grow the table
      await db.deleteFrom("login_failures").where("at", "<=", since(now)).execute();
    },

    async reset(key) {
      await db.deleteFrom("login_failures").where("key_hash", "=", hashKey(key)).execute();
    },
  };
}

function hashKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}
