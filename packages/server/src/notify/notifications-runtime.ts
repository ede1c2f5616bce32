import type { Logger } from "pino";
import type { VigilDatabase } from "../db/create-database.js";
import { createNotificationOutbox, type NotificationOutbox } from "./notification-outbox.js";
import type { RetryPolicy } from "./retry-policy.js";
import { createWebhookDispatcher, type WebhookDispatcher } from "./webhook-dispatcher.js";
import type { WebhookUrlPolicy } from "./webhook-url.js";

/** `startServer`'s `notifications` option. */
export interface ServeNotificationOptions {
  /** Default true: write events to the outbox and send them. */
  readonly enabled?: boolean;
  /** Hosts webhooks may point at (see `webhook-url.ts`); default any. */
  readonly allowedHosts?: readonly string[];
  /** Per attempt; default 5 s. */
  readonly timeoutMs?: number;
  /** Requests in flight at once; default 4 (one per webhook). */
  readonly concurrency?: number;
  readonly retry?: Partial<RetryPolicy>;
  /** Longest sleep between looks at the outbox; default 30 s. */
  readonly pollMs?: number;
  readonly clock?: { now(): Date };
  readonly ids?: () => string;
}

/** The running notifications of a server: what routes and the scan runtime are given. */
export interface NotificationsRuntime {
  readonly outbox: NotificationOutbox;
  readonly dispatcher: WebhookDispatcher;
  readonly urlPolicy: WebhookUrlPolicy;
  /** Waits for queued writes, then stops the dispatcher (in-flight deliveries stay pending). */
  stop(): Promise<void>;
}

/** Starts the outbox and its dispatcher (which resumes what a previous process left pending). */
export function startNotifications(
  database: VigilDatabase,
  options: ServeNotificationOptions,
  context: { readonly logger: Logger; readonly version: string },
): NotificationsRuntime {
  const logger = context.logger.child({ component: "notifications" });
  const urlPolicy: WebhookUrlPolicy = options.allowedHosts ? { allowedHosts: options.allowedHosts } : {};
  const dispatcher = createWebhookDispatcher({
    database,
    logger,
    urlPolicy,
    userAgent: `vigil/${context.version}`,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const outbox = createNotificationOutbox({
    database,
    logger,
    written: () => dispatcher.wake(),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.ids ? { newId: options.ids } : {}),
  });
  dispatcher.start();
  let stopping: Promise<void> | undefined;
  return {
    outbox,
    dispatcher,
    urlPolicy,
    stop() {
      stopping ??= (async () => {
        await outbox.flushed();
        await dispatcher.stop();
      })();
      return stopping;
    },
  };
}
