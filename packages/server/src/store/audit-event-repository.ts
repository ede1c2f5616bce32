import type { Kysely, Selectable } from "kysely";
import type { VigilSchema } from "../db/schema.js";
import type { AuditEventsTable } from "./auth-schema.js";
import { fromJson, orNull, present, toJson } from "./column-values.js";
import { decodeCursor, encodeCursor, type Page, pageSize } from "./keyset.js";
import { storeDb } from "./store-schema.js";

/** What became of a write: done, refused (401, 403, 429) or failed (any other error). */
export type AuditOutcome = "allowed" | "denied" | "failed";

/** One write to the API, allowed or refused. */
export interface AuditEvent {
  readonly at: string;
  readonly actor: {
    readonly kind: "user" | "agent" | "anonymous";
    readonly id?: string;
    /** The user's email at the time (users may change), absent for agents and anonymous. */
    readonly name?: string;
  };
  readonly method: string;
  /** The route pattern (`/api/v1/users/:id`), or `unmatched`. */
  readonly route: string;
  readonly path: string;
  readonly status: number;
  readonly outcome: AuditOutcome;
  /** What the route chose to add (the email a login tried); never a body's secrets. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** A stored audit event, with its id (increasing: the order events were recorded in). */
export interface AuditEventRecord extends AuditEvent {
  readonly id: number;
}

/** The audit log: appended to, read newest first. */
export interface AuditEventRepository {
  record(event: AuditEvent): Promise<void>;
  /** Newest first. @throws InvalidCursorError for a cursor this list did not issue. */
  list(query: { readonly cursor?: string; readonly limit?: number }): Promise<Page<AuditEventRecord>>;
}

const ORDER = "audit-newest";

/** The audit event repository over Vigil's database. */
export function createAuditEventRepository(database: Kysely<VigilSchema>): AuditEventRepository {
  const db = storeDb(database);
  return {
    async record(event) {
      await db
        .insertInto("audit_events")
        .values({
          at: event.at,
          actor_kind: event.actor.kind,
          actor_id: orNull(event.actor.id),
          actor_name: orNull(event.actor.name),
          method: event.method,
          route: event.route,
          path: event.path,
          status: event.status,
          outcome: event.outcome,
          details_json: event.details === undefined ? null : toJson(event.details),
        })
        .execute();
    },
    async list(query) {
      const limit = pageSize(query.limit);
      let select = db
        .selectFrom("audit_events")
        .selectAll()
        .orderBy("id", "desc")
        .limit(limit + 1);
      if (query.cursor !== undefined) {
        const [id] = decodeCursor(query.cursor, ORDER, ["number"]);
        select = select.where("id", "<", id as number);
      }
      const rows = await select.execute();
      const items = rows.slice(0, limit).map(toEvent);
      return {
        items,
        ...(rows.length > limit ? { nextCursor: encodeCursor(ORDER, [items.at(-1)!.id]) } : {}),
      };
    },
  };
}

function toEvent(row: Selectable<AuditEventsTable>): AuditEventRecord {
  return {
    id: Number(row.id),
    at: row.at,
    actor: {
      kind: row.actor_kind as AuditEvent["actor"]["kind"],
      ...present("id", row.actor_id),
      ...present("name", row.actor_name),
    },
    method: row.method,
    route: row.route,
    path: row.path,
    status: row.status,
    outcome: row.outcome as AuditOutcome,
    ...(row.details_json === null ? {} : { details: fromJson<Record<string, unknown>>(row.details_json) }),
  };
}
