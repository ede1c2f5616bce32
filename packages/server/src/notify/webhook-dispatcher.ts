import type { Kysely } from "kysely";
import { type Logger, pino } from "pino";
import type { VigilDatabase } from "../db/create-database.js";
import type { VigilSchema } from "../db/schema.js";
import {
  type ClaimedDelivery,
  createWebhookDeliveryRepository,
  type WebhookDeliveryRepository,
} from "../store/webhook-delivery-repository.js";
import { DEFAULT_RETRY_POLICY, parseRetryAfter, type RetryPolicy, retryDelayMs } from "./retry-policy.js";
import { sendWebhook } from "./send-webhook.js";
import { type WebhookUrlPolicy, webhookUrlProblem } from "./webhook-url.js";

/** Options of {@link createWebhookDispatcher}. */
export interface WebhookDispatcherOptions {
  readonly database: VigilDatabase | { readonly db: Kysely<VigilSchema> };
  /** Deliveries in flight at once, over all webhooks (one per webhook at most); default 4. */
  readonly concurrency?: number;
  /** Longest wait for an endpoint's answer, per attempt; default 5 s. */
  readonly timeoutMs?: number;
  readonly retry?: Partial<RetryPolicy>;
  /** Longest sleep between looks at the outbox (other processes add deliveries too); default 30 s. */
  readonly pollMs?: number;
  /** Days the log of finished deliveries is kept; default 30. Pending ones are never pruned. */
  readonly retentionDays?: number;
  readonly urlPolicy?: WebhookUrlPolicy;
  readonly clock?: { now(): Date };
  /** Default `vigil/<version>`. */
  readonly userAgent?: string;
  readonly logger?: Logger;
  /** Jitter source (tests); default `Math.random`. */
  readonly random?: () => number;
}

/** The outbox's sender. */
export interface WebhookDispatcher {
  /** Starts sending what is due, including what a previous process left pending. */
  start(): void;
  /** Looks at the outbox now (new deliveries were written). */
  wake(): void;
  /** Resolves when nothing is in flight and nothing is due now. */
  idle(): Promise<void>;
  /**
   * Stops taking deliveries and aborts those in flight; they stay `pending`, due at once, and
   * the next start sends them again (receivers de-duplicate by `X-Vigil-Delivery`).
   */
  stop(): Promise<void>;
}

/**
 * Sends the webhook outbox (`webhook_deliveries`) asynchronously, never on a scan's path: a
 * scan only writes rows. At most `concurrency` requests are in flight, at most one per
 * webhook, each bounded by `timeoutMs`, so an endpoint that never answers holds one socket for
 * `timeoutMs` at a time and delays nothing but its own deliveries.
 *
 * An attempt that gets 2xx delivers; a network error, a timeout, 408, 429 or 5xx is retried
 * with exponential backoff and jitter (`Retry-After` honoured) until `maxAttempts`, then the
 * delivery is `failed`; any other status (4xx, a redirect) fails it at once. State lives in
 * the database, so a restart resumes every pending delivery.
 */
export function createWebhookDispatcher(options: WebhookDispatcherOptions): WebhookDispatcher {
  const deliveries: WebhookDeliveryRepository = createWebhookDeliveryRepository(options.database.db);
  const clock = options.clock ?? { now: () => new Date() };
  const logger = options.logger ?? pino({ name: "vigil-webhooks" });
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 4));
  const timeoutMs = options.timeoutMs ?? 5_000;
  const pollMs = options.pollMs ?? 30_000;
  const retry: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const userAgent = options.userAgent ?? "vigil";
  const random = options.random ?? Math.random;
  // a process that dies mid-attempt leaves the delivery due again after this
  const leaseMs = timeoutMs + 60_000;

  const inFlight = new Map<string, Promise<void>>(); // by webhook id
  const stopController = new AbortController();
  let started = false;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let pumping: Promise<void> | undefined;
  let again = false;
  let idleWaiters: (() => void)[] = [];
  let dueNow = false;
  const retentionMs = Math.max(1, options.retentionDays ?? 30) * 24 * 60 * 60_000;
  let prunedAt = 0;

  /** Once an hour at most: the delivery log must not grow for ever. */
  async function pruneLog(now: Date): Promise<void> {
    if (now.getTime() - prunedAt < 60 * 60_000) return;
    prunedAt = now.getTime();
    const pruned = await deliveries.pruneFinished(new Date(now.getTime() - retentionMs).toISOString());
    if (pruned > 0) logger.info({ pruned }, "pruned the log of finished webhook deliveries");
  }

  function wake(): void {
    if (!started || stopping) return;
    if (pumping) {
      again = true;
      return;
    }
    pumping = pump()
      .catch((error: unknown) => {
        logger.error({ err: error }, "could not read the webhook outbox; trying again later");
        // the database may be back at the next look
        if (!stopping && !timer) {
          timer = setTimeout(wake, pollMs);
          timer.unref();
        }
      })
      .finally(() => {
        pumping = undefined;
        if (again) {
          again = false;
          wake();
        } else notifyIdle();
      });
  }

  async function pump(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const now = clock.now();
    await pruneLog(now);
    const claimed = await deliveries.claimDue({
      now: now.toISOString(),
      leaseUntil: new Date(now.getTime() + leaseMs).toISOString(),
      limit: concurrency - inFlight.size,
      busyWebhooks: [...inFlight.keys()],
    });
    for (const item of claimed) {
      const work = attempt(item)
        .catch((error: unknown) =>
          logger.error(
            { err: error, deliveryId: item.delivery.id },
            "could not record a webhook delivery attempt",
          ),
        )
        .finally(() => {
          inFlight.delete(item.delivery.webhookId);
          wake();
        });
      inFlight.set(item.delivery.webhookId, work);
    }
    const next = await deliveries.nextDueAt();
    const wait =
      next === undefined ? pollMs : Math.min(pollMs, Math.max(0, Date.parse(next) - clock.now().getTime()));
    // due now but every slot (or its webhook) is busy: a finishing attempt wakes the pump
    dueNow = next !== undefined && wait === 0;
    if (!stopping && !(dueNow && inFlight.size > 0)) {
      timer = setTimeout(wake, Math.max(wait, 10));
      timer.unref();
    }
  }

  async function attempt({ delivery, url, secret }: ClaimedDelivery): Promise<void> {
    const attempts = delivery.attempts + 1;
    const now = clock.now();
    const problem = webhookUrlProblem(url, options.urlPolicy);
    const response = problem
      ? ({ kind: "refused", error: `not sent: ${problem}` } as const)
      : await sendWebhook({
          url,
          secret,
          body: delivery.payload,
          eventType: delivery.eventType,
          deliveryId: delivery.id,
          now,
          timeoutMs,
          signal: stopController.signal,
          userAgent,
        });
    const done = clock.now();
    const log = {
      deliveryId: delivery.id,
      webhookId: delivery.webhookId,
      event: delivery.eventType,
      attempts,
    };
    switch (response.kind) {
      case "aborted":
        await deliveries.release(delivery.id, done.toISOString());
        return;
      case "delivered":
        await deliveries.recordAttempt(delivery.id, {
          state: "delivered",
          attempts,
          nextAttemptAt: delivery.nextAttemptAt,
          lastStatus: response.status,
          deliveredAt: done.toISOString(),
        });
        logger.debug({ ...log, status: response.status }, "webhook delivered");
        return;
      case "refused":
        await deliveries.recordAttempt(delivery.id, {
          state: "failed",
          attempts,
          nextAttemptAt: delivery.nextAttemptAt,
          ...("status" in response ? { lastStatus: response.status } : {}),
          lastError: response.error,
        });
        logger.warn({ ...log, error: response.error }, "webhook delivery refused; not retried");
        return;
      case "retry": {
        const status = response.status !== undefined ? { lastStatus: response.status } : {};
        if (attempts >= retry.maxAttempts) {
          await deliveries.recordAttempt(delivery.id, {
            state: "failed",
            attempts,
            nextAttemptAt: delivery.nextAttemptAt,
            ...status,
            lastError: `${response.error}; gave up after ${attempts} attempts`,
          });
          logger.warn({ ...log, error: response.error }, "webhook delivery failed; giving up");
          return;
        }
        const delay = retryDelayMs(retry, attempts, parseRetryAfter(response.retryAfter, done), random);
        await deliveries.recordAttempt(delivery.id, {
          state: "pending",
          attempts,
          nextAttemptAt: new Date(done.getTime() + delay).toISOString(),
          ...status,
          lastError: response.error,
        });
        logger.info(
          { ...log, error: response.error, retryInMs: delay },
          "webhook delivery failed; will retry",
        );
      }
    }
  }

  function notifyIdle(): void {
    if (pumping || inFlight.size > 0 || (dueNow && !stopping)) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  return {
    start() {
      if (started) return;
      started = true;
      wake();
    },
    wake,
    idle() {
      if (!pumping && inFlight.size === 0 && !(dueNow && !stopping)) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    async stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      stopController.abort(new Error("the server is stopping"));
      await pumping;
      await Promise.allSettled([...inFlight.values()]);
      notifyIdle();
    },
  };
}
