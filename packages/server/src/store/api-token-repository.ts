import type { Kysely, Selectable } from "kysely";
import type { VigilSchema } from "../db/schema.js";
import { present } from "./column-values.js";
import { API_TOKEN_PREFIX, newSecret, secretHash } from "./secret-token.js";
import { conflictAs } from "./store-errors.js";
import { type ApiTokensTable, storeDb } from "./store-schema.js";
import { toUser, type UserRecord } from "./user-repository.js";

/** A user's API token, as stored (the token itself never is). */
export interface ApiTokenRecord {
  readonly id: string;
  readonly userId: string;
  readonly name: string;
  readonly createdAt: string;
  readonly lastUsedAt?: string;
  readonly revokedAt?: string;
}

/** How often `last_used_at` is written at most: not one write per request. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** API tokens of users, for programs (`Authorization: Bearer vigil_pat_…`). */
export interface ApiTokenRepository {
  /**
   * A new token: `token` is shown once and never again (only its SHA-256 is stored).
   * @throws StoreConflictError when the id is taken.
   */
  create(token: {
    readonly id: string;
    readonly userId: string;
    readonly name: string;
    readonly createdAt: string;
  }): Promise<{ readonly token: string; readonly record: ApiTokenRecord }>;
  /** A user's tokens, newest first, revoked ones included (with when). */
  list(userId: string): Promise<ApiTokenRecord[]>;
  /** Revokes one of the user's tokens; false when the user has no such live token. */
  revoke(userId: string, id: string, at: string): Promise<boolean>;
  /**
   * The live token `token` is and its user (disabled or not: the caller refuses disabled
   * users), noting `at` as its last use; undefined for an unknown or revoked token.
   */
  authenticate(
    token: string,
    at: Date,
  ): Promise<{ readonly token: ApiTokenRecord; readonly user: UserRecord } | undefined>;
}

/** The API token repository over Vigil's database. */
export function createApiTokenRepository(database: Kysely<VigilSchema>): ApiTokenRepository {
  const db = storeDb(database);
  return {
    async create(token) {
      const secret = newSecret(API_TOKEN_PREFIX);
      const row = {
        id: token.id,
        user_id: token.userId,
        name: token.name,
        token_hash: secretHash(secret),
        created_at: token.createdAt,
        last_used_at: null,
        revoked_at: null,
      };
      await conflictAs(`an API token with the id ${token.id} exists`, () =>
        db.insertInto("api_tokens").values(row).execute(),
      );
      return { token: secret, record: toToken(row) };
    },
    async list(userId) {
      const rows = await db
        .selectFrom("api_tokens")
        .selectAll()
        .where("user_id", "=", userId)
        .orderBy("created_at", "desc")
        .orderBy("id", "desc")
        .execute();
      return rows.map(toToken);
    },
    async revoke(userId, id, at) {
      const result = await db
        .updateTable("api_tokens")
        .set({ revoked_at: at })
        .where("id", "=", id)
        .where("user_id", "=", userId)
        .where("revoked_at", "is", null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async authenticate(token, at) {
      if (!token.startsWith(API_TOKEN_PREFIX)) return undefined;
      const row = await db
        .selectFrom("api_tokens")
        .innerJoin("users", "users.id", "api_tokens.user_id")
        .selectAll("users")
        .select([
          "api_tokens.id as token_id",
          "api_tokens.name as token_name",
          "api_tokens.created_at as token_created_at",
          "api_tokens.last_used_at as token_last_used_at",
        ])
        .where("api_tokens.token_hash", "=", secretHash(token))
        .where("api_tokens.revoked_at", "is", null)
        .executeTakeFirst();
      if (!row) return undefined;
      const lastUsed = row.token_last_used_at ? Date.parse(row.token_last_used_at) : 0;
      if (at.getTime() - lastUsed >= LAST_USED_RESOLUTION_MS) {
        await db
          .updateTable("api_tokens")
          .set({ last_used_at: at.toISOString() })
          .where("id", "=", row.token_id)
          .execute();
      }
      return {
        token: {
          id: row.token_id,
          userId: row.id,
          name: row.token_name,
          createdAt: row.token_created_at,
          lastUsedAt: at.toISOString(),
        },
        user: toUser(row),
      };
    },
  };
}

function toToken(row: Selectable<ApiTokensTable>): ApiTokenRecord {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    createdAt: row.created_at,
    ...present("lastUsedAt", row.last_used_at),
    ...present("revokedAt", row.revoked_at),
  };
}
