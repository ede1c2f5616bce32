import type { Kysely } from "kysely";
import type { VigilSchema } from "../db/schema.js";
import { newSecret, secretHash } from "./secret-token.js";
import { storeDb } from "./store-schema.js";
import { toUser, type UserRecord } from "./user-repository.js";

/** A signed-in session, as stored. */
export interface SessionRecord {
  readonly userId: string;
  readonly csrfToken: string;
  readonly createdAt: string;
  readonly lastSeenAt: string;
  /** The absolute expiry. */
  readonly expiresAt: string;
}

/** Sign-in sessions; the session id is the secret in the cookie, and only its hash is stored. */
export interface SessionRepository {
  /** A new session: `sessionId` goes into the cookie, `record.csrfToken` to the client. */
  create(session: {
    readonly userId: string;
    readonly createdAt: string;
    readonly expiresAt: string;
  }): Promise<{ readonly sessionId: string; readonly record: SessionRecord }>;
  /** The session and its user, undefined for an unknown session id. */
  find(
    sessionId: string,
  ): Promise<{ readonly session: SessionRecord; readonly user: UserRecord } | undefined>;
  /** Notes activity (the idle expiry counts from it). */
  touch(sessionId: string, at: string): Promise<void>;
  /** Ends a session (sign out, or found expired). */
  delete(sessionId: string): Promise<void>;
  /** Ends every session of a user (disabled). */
  deleteForUser(userId: string): Promise<void>;
  /** Removes sessions whose absolute expiry is before `now`; how many. */
  deleteExpired(now: string): Promise<number>;
}

/** The session repository over Vigil's database. */
export function createSessionRepository(database: Kysely<VigilSchema>): SessionRepository {
  const db = storeDb(database);
  return {
    async create(session) {
      const sessionId = newSecret();
      const record: SessionRecord = {
        userId: session.userId,
        csrfToken: newSecret(),
        createdAt: session.createdAt,
        lastSeenAt: session.createdAt,
        expiresAt: session.expiresAt,
      };
      await db
        .insertInto("sessions")
        .values({
          id_hash: secretHash(sessionId),
          user_id: record.userId,
          csrf_token: record.csrfToken,
          created_at: record.createdAt,
          last_seen_at: record.lastSeenAt,
          expires_at: record.expiresAt,
        })
        .execute();
      return { sessionId, record };
    },
    async find(sessionId) {
      const row = await db
        .selectFrom("sessions")
        .innerJoin("users", "users.id", "sessions.user_id")
        .selectAll("users")
        .select([
          "sessions.csrf_token",
          "sessions.created_at as session_created_at",
          "sessions.last_seen_at",
          "sessions.expires_at",
        ])
        .where("sessions.id_hash", "=", secretHash(sessionId))
        .executeTakeFirst();
      if (!row) return undefined;
      return {
        session: {
          userId: row.id,
          csrfToken: row.csrf_token,
          createdAt: row.session_created_at,
          lastSeenAt: row.last_seen_at,
          expiresAt: row.expires_at,
        },
        user: toUser(row),
      };
    },
    async touch(sessionId, at) {
      await db
        .updateTable("sessions")
        .set({ last_seen_at: at })
        .where("id_hash", "=", secretHash(sessionId))
        .execute();
    },
    async delete(sessionId) {
      await db.deleteFrom("sessions").where("id_hash", "=", secretHash(sessionId)).execute();
    },
    async deleteForUser(userId) {
      await db.deleteFrom("sessions").where("user_id", "=", userId).execute();
    },
    async deleteExpired(now) {
      const result = await db.deleteFrom("sessions").where("expires_at", "<", now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
