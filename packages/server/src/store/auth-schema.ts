/**
 * Kysely table types of sign-in sessions and the audit log (migration
 * `0005-users-sessions-audit`), with the conventions of `store-schema.ts`.
 */
import type { Generated } from "kysely";

/** A signed-in browser session (the session id itself is never stored, only its SHA-256). */
export interface SessionsTable {
  /** SHA-256 (hex) of the cookie's session id. */
  id_hash: string;
  user_id: string;
  /** What the session's unsafe requests send as `X-CSRF-Token`. */
  csrf_token: string;
  created_at: string;
  last_seen_at: string;
  /** The absolute expiry; the idle expiry is `last_seen_at` plus the idle time. */
  expires_at: string;
}

/** One write to the API, allowed or refused. */
export interface AuditEventsTable {
  /** Generated: an increasing integer (SQLite rowid, PostgreSQL serial). */
  id: Generated<number>;
  at: string;
  /** `user`, `agent` or `anonymous`. */
  actor_kind: string;
  actor_id: string | null;
  actor_name: string | null;
  method: string;
  /** The route pattern (`/api/v1/users/:id`), or `unmatched`. */
  route: string;
  path: string;
  status: number;
  /** `allowed`, `denied` or `failed`. */
  outcome: string;
  details_json: string | null;
}

/** The tables of migration 0005, as Kysely sees them. */
export interface AuthSchema {
  sessions: SessionsTable;
  audit_events: AuditEventsTable;
  login_failures: LoginFailuresTable;
}

/** A failed sign-in of a limited key (migration 0010). */
export interface LoginFailuresTable {
  /** SHA-256 (hex) of the key: `email:<address>` or `address:<ip>`. */
  key_hash: string;
  /** RFC 3339 UTC. */
  at: string;
}
