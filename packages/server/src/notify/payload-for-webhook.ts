import type { SeverityLevel } from "@vigil/core";
import { eventForWebhook } from "./event-for-webhook.js";
import { genericPayload } from "./generic-payload.js";
import type { NotificationEvent } from "./notification-event.js";
import { slackPayload } from "./slack-payload.js";
import type { WebhookFormat } from "./webhook-format.js";

/** The body one webhook is sent for `event`, or undefined when nothing of it concerns the webhook. */
export function payloadForWebhook(
  event: NotificationEvent,
  webhook: { readonly minSeverity: SeverityLevel; readonly format: WebhookFormat },
): string | undefined {
  const seen = eventForWebhook(event, webhook.minSeverity);
  if (!seen) return undefined;
  return webhook.format === "slack" ? slackPayload(seen) : genericPayload(seen);
}
