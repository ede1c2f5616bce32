import type { SeverityLevel } from "@vigil/core";
import type { Kysely, Selectable } from "kysely";
import type { VigilSchema } from "../db/schema.js";
import type { NotificationEventType } from "../notify/notification-event.js";
import type { WebhookFormat } from "../notify/webhook-format.js";
import { fromFlag, fromJson, toFlag, toJson } from "./column-values.js";
import { notificationDb, type WebhooksTable } from "./notification-schema.js";
import { conflictAs } from "./store-errors.js";

/** A webhook as the API shows it: everything but its secret. */
export interface WebhookRecord {
  readonly id: string;
  /** Unique. */
  readonly name: string;
  readonly url: string;
  /** The event types it is sent. */
  readonly events: readonly NotificationEventType[];
  /** The least severity `findings.new` and `advisory.affects` report to it. */
  readonly minSeverity: SeverityLevel;
  readonly format: WebhookFormat;
  readonly enabled: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** The configured fields of a webhook. */
export type WebhookFields = Omit<WebhookRecord, "id" | "createdAt" | "updatedAt">;

/**
 * Webhooks. The secret is written here and read back ONLY through {@link signingSecret} (the
 * dispatcher's, to sign): every other read leaves it out, so no API answer or log line built
 * from a record can carry it. It is stored as given, not hashed: an HMAC needs the key itself.
 * Whoever can read the database can read it, as they can read everything else the server
 * keeps; rotating it is a `PUT` with a new `secret`.
 */
export interface WebhookRepository {
  /** @throws StoreConflictError when the id or the name is taken. */
  create(
    webhook: WebhookFields & { readonly id: string; readonly secret: string; readonly createdAt: string },
  ): Promise<WebhookRecord>;
  get(id: string): Promise<WebhookRecord | undefined>;
  /** Every webhook, by name. */
  list(): Promise<WebhookRecord[]>;
  /**
   * Replaces the configured fields (and the secret, when given). Undefined when there is no
   * such webhook.
   * @throws StoreConflictError when the new name is another webhook's.
   */
  update(
    id: string,
    webhook: WebhookFields & { readonly secret?: string; readonly updatedAt: string },
  ): Promise<WebhookRecord | undefined>;
  /** False when there was none. Its deliveries go with it. */
  delete(id: string): Promise<boolean>;
  /** Enabled webhooks subscribed to `type`, by name. */
  listSubscribed(type: NotificationEventType): Promise<WebhookRecord[]>;
  /** The key deliveries to this webhook are signed with (the dispatcher only). */
  signingSecret(id: string): Promise<string | undefined>;
}

/** The webhook repository over Vigil's database. */
export function createWebhookRepository(database: Kysely<VigilSchema>): WebhookRepository {
  const db = notificationDb(database);
  const getWebhook = async (id: string) => {
    const row = await db.selectFrom("webhooks").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? toWebhook(row) : undefined;
  };
  return {
    async create(webhook) {
      await conflictAs(`a webhook with the id ${webhook.id} or the name ${webhook.name} exists already`, () =>
        db
          .insertInto("webhooks")
          .values({
            id: webhook.id,
            ...fieldColumns(webhook),
            secret: webhook.secret,
            created_at: webhook.createdAt,
            updated_at: webhook.createdAt,
          })
          .execute(),
      );
      return (await getWebhook(webhook.id))!;
    },
    get: getWebhook,
    async list() {
      return (await db.selectFrom("webhooks").selectAll().orderBy("name").execute()).map(toWebhook);
    },
    async update(id, webhook) {
      const result = await conflictAs(`another webhook is named ${webhook.name}`, () =>
        db
          .updateTable("webhooks")
          .set({
            ...fieldColumns(webhook),
            ...(webhook.secret !== undefined ? { secret: webhook.secret } : {}),
            updated_at: webhook.updatedAt,
          })
          .where("id", "=", id)
          .executeTakeFirst(),
      );
      return result.numUpdatedRows > 0n ? getWebhook(id) : undefined;
    },
    async delete(id) {
      const result = await db.deleteFrom("webhooks").where("id", "=", id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
    async listSubscribed(type) {
      const rows = await db
        .selectFrom("webhooks")
        .selectAll()
        .where("enabled", "=", 1)
        .orderBy("name")
        .execute();
      return rows.map(toWebhook).filter((w) => w.events.includes(type));
    },
    async signingSecret(id) {
      const row = await db.selectFrom("webhooks").select("secret").where("id", "=", id).executeTakeFirst();
      return row?.secret;
    },
  };
}

function fieldColumns(webhook: WebhookFields) {
  return {
    name: webhook.name,
    url: webhook.url,
    events_json: toJson(webhook.events),
    min_severity: webhook.minSeverity,
    format: webhook.format,
    enabled: toFlag(webhook.enabled),
  };
}

function toWebhook(row: Selectable<WebhooksTable>): WebhookRecord {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    events: fromJson<NotificationEventType[]>(row.events_json),
    minSeverity: row.min_severity as SeverityLevel,
    format: row.format as WebhookFormat,
    enabled: fromFlag(row.enabled),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
