/** How a webhook's payloads are shaped: Vigil's JSON envelope, or a Slack incoming-webhook message. */
export const WEBHOOK_FORMATS = ["generic", "slack"] as const;

/** One of {@link WEBHOOK_FORMATS}. */
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];
