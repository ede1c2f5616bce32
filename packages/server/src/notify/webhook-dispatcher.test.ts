import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DIALECTS } from "../db/test-support/test-databases.js";
import { useStoreTestDatabase } from "../store/test-support/store-test-database.js";
import {
  createWebhookDeliveryRepository,
  type DeliveryRecord,
} from "../store/webhook-delivery-repository.js";
import { createWebhookRepository, type WebhookRecord } from "../store/webhook-repository.js";
import type { NotificationEvent } from "./notification-event.js";
import { createNotificationOutbox, type NotificationOutbox } from "./notification-outbox.js";
import { startWebhookReceiver, type WebhookReceiver } from "./test-support/webhook-receiver.js";
import {
  createWebhookDispatcher,
  type WebhookDispatcher,
  type WebhookDispatcherOptions,
} from "./webhook-dispatcher.js";
import { verifyWebhookSignature } from "./webhook-signature.js";

const silent = pino({ level: "silent" });
const SECRET = "whsec_test-secret-0123456789";

const failedScan = (id: string): NotificationEvent => ({
  type: "scan.failed",
  id,
  at: "2024-06-01T00:00:00.000Z",
  scanId: `scan-${id}`,
  clusterId: "prod",
  status: "failed",
  error: "the cluster's API server did not answer",
  failureCount: 0,
  failures: [],
});

describe.each(DIALECTS)("webhook dispatcher on %s", (dialect) => {
  const t = useStoreTestDatabase(dialect);
  let receiver: WebhookReceiver;
  let dispatchers: WebhookDispatcher[] = [];
  let outbox: NotificationOutbox;
  let ids = 0;

  beforeEach(async () => {
    receiver = await startWebhookReceiver();
    ids = 0;
    dispatchers = [];
  });
  afterEach(async () => {
    for (const d of dispatchers) await d.stop();
    await receiver.close();
  });

  const newId = () => `id-${String(++ids).padStart(4, "0")}`;
  const deliveries = () => createWebhookDeliveryRepository(t.current.db);
  const dispatcher = (options: Partial<WebhookDispatcherOptions> = {}) => {
    const d = createWebhookDispatcher({
      database: t.current,
      logger: silent,
      timeoutMs: 1_000,
      pollMs: 100,
      retry: { baseDelayMs: 100, maxDelayMs: 2_000, maxAttempts: 4 },
      ...options,
    });
    dispatchers.push(d);
    outbox = createNotificationOutbox({
      database: t.current,
      logger: silent,
      newId,
      written: () => d.wake(),
    });
    return d;
  };
  const webhook = async (path: string, fields: Partial<WebhookRecord> = {}) => {
    receiver.setSecret(path, SECRET);
    return createWebhookRepository(t.current.db).create({
      id: path.slice(1),
      name: path.slice(1),
      url: receiver.url(path),
      events: ["scan.failed", "findings.new", "finding.kev", "advisory.affects"],
      minSeverity: "high",
      format: "generic",
      enabled: true,
      secret: SECRET,
      createdAt: new Date().toISOString(),
      ...fields,
    });
  };
  const until = async (id: string, done: (d: DeliveryRecord) => boolean, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const delivery = await deliveries().get(id);
      if (delivery && done(delivery)) return delivery;
      if (Date.now() > deadline) throw new Error(`delivery ${id} stayed ${JSON.stringify(delivery)}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };

  it("signs each delivery over its time and body; a tampered body or another secret does not verify", async () => {
    dispatcher().start();
    await webhook("/hook");
    const [queued] = await outbox.publish([failedScan("e1")]);
    const [request] = await receiver.waitFor("/hook", 1);
    expect(request!.signature).toBeUndefined();
    expect(request!.headers["content-type"]).toBe("application/json");
    expect(request!.event).toBe("scan.failed");
    expect(request!.deliveryId).toBe(queued!.id);
    const header = request!.headers["x-vigil-signature"] as string;
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(
      verifyWebhookSignature({ secret: SECRET, header, body: request!.body.replace("prod", "dev") }),
    ).toBe("mismatch");
    expect(verifyWebhookSignature({ secret: "whsec_another-secret-000", header, body: request!.body })).toBe(
      "mismatch",
    );
    const t0 = Number(/t=(\d+)/.exec(header)![1]);
    expect(verifyWebhookSignature({ secret: SECRET, header, body: request!.body, now: t0 + 301 })).toBe(
      "expired",
    );
    expect(verifyWebhookSignature({ secret: SECRET, header: "v1=abc", body: request!.body })).toBe(
      "malformed",
    );
    expect(JSON.parse(request!.body)).toEqual({
      id: "e1",
      type: "scan.failed",
      at: "2024-06-01T00:00:00.000Z",
      data: {
        scanId: "scan-e1",
        clusterId: "prod",
        status: "failed",
        error: "the cluster's API server did not answer",
        failureCount: 0,
        failures: [],
      },
    });
    expect(await until(queued!.id, (d) => d.state !== "pending")).toMatchObject({
      state: "delivered",
      attempts: 1,
      lastStatus: 200,
    });
  });

  it("retries 500s and a timeout with growing delays, under one delivery id, until delivered", async () => {
    dispatcher().start();
    await webhook("/flaky");
    receiver.script("/flaky", { status: 500 }, "hang", { status: 503 });
    const [queued] = await outbox.publish([failedScan("e1")]);
    const requests = await receiver.waitFor("/flaky", 4);
    const done = await until(queued!.id, (d) => d.state !== "pending");
    expect(done).toMatchObject({ state: "delivered", attempts: 4, lastStatus: 200 });
    expect(done.lastError).toBeUndefined();
    // the same delivery four times: a de-duplicating receiver processes it once
    expect(new Set(requests.map((r) => r.deliveryId))).toEqual(new Set([queued!.id]));
    expect(receiver.unique("/flaky")).toHaveLength(1);
    expect(requests.every((r) => r.signature === undefined)).toBe(true);
    // equal jitter: the n-th retry waits 100 ms * 2^(n-1) / 2 at least (the hang adds its 1 s timeout)
    const gaps = requests.slice(1).map((r, i) => r.at - requests[i]!.at);
    expect(gaps[0]).toBeGreaterThanOrEqual(50);
    expect(gaps[1]).toBeGreaterThanOrEqual(1_000 + 100);
    expect(gaps[2]).toBeGreaterThanOrEqual(200);
  });

  it("gives up after the last attempt, fails a 4xx at once, and waits as long as Retry-After asks", async () => {
    dispatcher().start();
    await webhook("/down");
    await webhook("/gone");
    await webhook("/busy");
    receiver.script("/down", { status: 502 }, { status: 502 }, { status: 502 }, { status: 502 });
    receiver.script("/gone", { status: 404 });
    receiver.script("/busy", { status: 429, headers: { "Retry-After": "1" } });
    const queued = await outbox.publish([failedScan("e1")]);
    const byWebhook = new Map(queued.map((d) => [d.webhookId, d.id]));

    expect(await until(byWebhook.get("gone")!, (d) => d.state !== "pending")).toMatchObject({
      state: "failed",
      attempts: 1,
      lastStatus: 404,
      lastError: "HTTP 404",
    });
    expect(await until(byWebhook.get("down")!, (d) => d.state !== "pending")).toMatchObject({
      state: "failed",
      attempts: 4,
      lastStatus: 502,
      lastError: "HTTP 502; gave up after 4 attempts",
    });
    expect(receiver.requests("/down")).toHaveLength(4);
    expect(receiver.requests("/gone")).toHaveLength(1);
    expect(await until(byWebhook.get("busy")!, (d) => d.state !== "pending")).toMatchObject({
      state: "delivered",
      attempts: 2,
    });
    const [first, second] = receiver.requests("/busy");
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1_000);
  });

  it("resumes pending deliveries after a restart; a delivery in flight at stop is sent again, not counted", async () => {
    await webhook("/later");
    await webhook("/slow");
    receiver.script("/slow", "hang");
    // written while no dispatcher runs (a process that stopped before sending)
    const first = dispatcher();
    const queued = await outbox.publish([failedScan("e1")]);
    const byWebhook = new Map(queued.map((d) => [d.webhookId, d.id]));
    expect(receiver.requests()).toHaveLength(0);

    first.start();
    await receiver.waitFor("/slow", 1);
    await until(byWebhook.get("later")!, (d) => d.state === "delivered");
    const stopping = Date.now();
    await first.stop();
    expect(Date.now() - stopping).toBeLessThan(500);
    expect(await deliveries().get(byWebhook.get("slow")!)).toMatchObject({ state: "pending", attempts: 0 });

    const second = dispatcher();
    second.start();
    expect(await until(byWebhook.get("slow")!, (d) => d.state !== "pending")).toMatchObject({
      state: "delivered",
      attempts: 1,
    });
    expect(receiver.unique("/slow")).toHaveLength(1);
    expect(receiver.requests("/slow")).toHaveLength(2);
  });

  it("holds one socket per webhook: an endpoint that never answers delays only its own deliveries", async () => {
    dispatcher({ concurrency: 2, timeoutMs: 10_000 }).start();
    await webhook("/black-hole");
    await webhook("/fine");
    receiver.script("/black-hole", "hang", "hang", "hang");
    const started = Date.now();
    for (let i = 1; i <= 3; i++) await outbox.publish([failedScan(`e${i}`)]);
    await receiver.waitFor("/fine", 3);
    expect(Date.now() - started).toBeLessThan(5_000);
    // the black hole got one request (its next deliveries wait for it), and holds one socket
    expect(receiver.requests("/black-hole")).toHaveLength(1);
    expect(receiver.hanging()).toBe(1);
  });

  it("refuses to send to a host outside the allow-list, and never to a disabled webhook", async () => {
    dispatcher({ urlPolicy: { allowedHosts: ["hooks.example.com"] } }).start();
    await webhook("/outside");
    const [queued] = await outbox.publish([failedScan("e1")]);
    expect(await until(queued!.id, (d) => d.state !== "pending")).toMatchObject({
      state: "failed",
      attempts: 1,
      lastError: "not sent: the host 127.0.0.1 is not among the allowed webhook hosts (hooks.example.com)",
    });
    expect(receiver.requests()).toHaveLength(0);
  });
});
