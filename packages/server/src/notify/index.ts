/**
 * Notifications: events of the scan flow (new findings, KEV findings, failed scans, what an
 * advisory update now affects) written to a webhook outbox and sent by a dispatcher, signed,
 * retried with backoff, as Vigil's JSON or Slack messages.
 */
export * from "./event-builders.js";
export * from "./finding-notices.js";
export * from "./notification-event.js";
export * from "./notification-outbox.js";
export * from "./notifications-runtime.js";
export * from "./retry-policy.js";
export * from "./scan-event-sink.js";
export * from "./slack-payload.js";
export * from "./webhook-dispatcher.js";
export * from "./webhook-format.js";
export * from "./webhook-signature.js";
export * from "./webhook-url.js";
