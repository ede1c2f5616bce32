import { SEVERITY_LEVELS, type SeverityLevel } from "@vigil/core";
import { NOTIFICATION_EVENT_TYPES, type NotificationEventType } from "../../notify/notification-event.js";
import { WEBHOOK_FORMATS, type WebhookFormat } from "../../notify/webhook-format.js";
import { type WebhookUrlPolicy, webhookUrlProblem } from "../../notify/webhook-url.js";
import type { WebhookFields } from "../../store/webhook-repository.js";
import { badInput, oneOf, onlyFields, optionalString, requiredString } from "./request-input.js";

/** Shortest secret a caller may set: 16 characters (with the generated ones at 43). */
const MIN_SECRET_LENGTH = 16;

/** The least severity a webhook reports when its creator does not say. */
export const DEFAULT_WEBHOOK_MIN_SEVERITY: SeverityLevel = "high";

/** A webhook body (create or replace), checked field by field; 400 naming the field otherwise. */
export function webhookInput(
  body: Record<string, unknown>,
  policy: WebhookUrlPolicy,
): WebhookFields & { readonly secret?: string } {
  onlyFields(body, ["name", "url", "events", "minSeverity", "format", "enabled", "secret"]);
  const name = requiredString(body, "name").trim();
  const url = requiredString(body, "url").trim();
  const problem = webhookUrlProblem(url, policy);
  if (problem) throw badInput("url", problem);
  if (!Array.isArray(body.events) || body.events.length === 0) {
    throw badInput("events", `expected a non-empty list of ${NOTIFICATION_EVENT_TYPES.join(", ")}`);
  }
  const events = [
    ...new Set(
      body.events.map((e, i) => oneOf<NotificationEventType>(e, NOTIFICATION_EVENT_TYPES, `events[${i}]`)),
    ),
  ];
  const minSeverity =
    body.minSeverity === undefined
      ? DEFAULT_WEBHOOK_MIN_SEVERITY
      : oneOf<SeverityLevel>(body.minSeverity, SEVERITY_LEVELS, "minSeverity");
  const format =
    body.format === undefined ? "generic" : oneOf<WebhookFormat>(body.format, WEBHOOK_FORMATS, "format");
  if (body.enabled !== undefined && typeof body.enabled !== "boolean")
    throw badInput("enabled", "expected true or false");
  const secret = optionalString(body, "secret");
  if (secret !== undefined && secret.length < MIN_SECRET_LENGTH) {
    throw badInput(
      "secret",
      `at least ${MIN_SECRET_LENGTH} characters (or leave it out to have one generated)`,
    );
  }
  return {
    name,
    url,
    events,
    minSeverity,
    format,
    enabled: body.enabled ?? true,
    ...(secret !== undefined ? { secret } : {}),
  };
}
