import type { NotificationEvent } from "./notification-event.js";

/**
 * The `generic` format: a JSON envelope `{ id, type, at, data }` whose `data` is the event's
 * own fields. `id` is the event's (the same event sent to two webhooks has one id); receivers
 * de-duplicate retries by the `X-Vigil-Delivery` header.
 */
export function genericPayload(event: NotificationEvent): string {
  const { id, type, at, ...data } = event;
  return JSON.stringify({ id, type, at, data });
}
