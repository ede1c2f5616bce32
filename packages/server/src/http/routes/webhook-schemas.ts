import { SEVERITY_LEVELS } from "@vigil/core";
import { NOTIFICATION_EVENT_TYPES } from "../../notify/notification-event.js";
import { WEBHOOK_FORMATS } from "../../notify/webhook-format.js";
import type { JsonSchema } from "../route-definition.js";

const string: JsonSchema = { type: "string" };

const eventsSchema: JsonSchema = {
  type: "array",
  minItems: 1,
  uniqueItems: true,
  items: { type: "string", enum: [...NOTIFICATION_EVENT_TYPES] },
  description: "The events it is sent",
};

/** A webhook as the API shows it (never with its secret, except once in the creation answer). */
export const webhookSchema: JsonSchema = {
  type: "object",
  required: ["id", "name", "url", "events", "minSeverity", "format", "enabled", "createdAt", "updatedAt"],
  properties: {
    id: string,
    name: string,
    url: { type: "string", format: "uri" },
    events: eventsSchema,
    minSeverity: {
      type: "string",
      enum: [...SEVERITY_LEVELS],
      description:
        "The least severity `findings.new` and `advisory.affects` report (KEV and failed scans always go)",
    },
    format: {
      type: "string",
      enum: [...WEBHOOK_FORMATS],
      description:
        "`generic`: Vigil's JSON envelope; `slack`: `{ text, blocks }` for a Slack incoming webhook",
    },
    enabled: { type: "boolean" },
    createdAt: { type: "string", format: "date-time" },
    updatedAt: { type: "string", format: "date-time" },
  },
};

/** The creation answer: the webhook and, this once, its secret. */
export const createdWebhookSchema: JsonSchema = {
  ...webhookSchema,
  required: [...(webhookSchema.required as string[]), "secret"],
  properties: {
    ...(webhookSchema.properties as Record<string, JsonSchema>),
    secret: {
      type: "string",
      description:
        "The HMAC-SHA256 key of `X-Vigil-Signature`. Shown only in this answer: keep it where the receiver verifies",
    },
  },
};

/** What create and replace take. */
export const webhookInputSchema: JsonSchema = {
  type: "object",
  required: ["name", "url", "events"],
  additionalProperties: false,
  properties: {
    name: string,
    url: { type: "string", format: "uri", description: "http or https; no credentials in it" },
    events: eventsSchema,
    minSeverity: { type: "string", enum: [...SEVERITY_LEVELS], description: "Default `high`" },
    format: { type: "string", enum: [...WEBHOOK_FORMATS], description: "Default `generic`" },
    enabled: { type: "boolean", description: "Default true" },
    secret: {
      type: "string",
      minLength: 16,
      description: "The signing key; on create, generated when absent; on replace, kept when absent",
    },
  },
};

/** One delivery in the log. */
export const deliverySchema: JsonSchema = {
  type: "object",
  required: [
    "id",
    "webhookId",
    "eventId",
    "eventType",
    "payload",
    "state",
    "attempts",
    "nextAttemptAt",
    "createdAt",
  ],
  properties: {
    id: { type: "string", description: "Sent as `X-Vigil-Delivery`: receivers de-duplicate retries by it" },
    webhookId: string,
    eventId: string,
    eventType: string,
    payload: { type: "string", description: "The body as sent" },
    state: { type: "string", enum: ["pending", "delivered", "failed"] },
    attempts: { type: "integer" },
    nextAttemptAt: { type: "string", format: "date-time" },
    lastStatus: { type: "integer", description: "The HTTP status of the last attempt, when it got one" },
    lastError: string,
    createdAt: { type: "string", format: "date-time" },
    deliveredAt: { type: "string", format: "date-time" },
  },
};
