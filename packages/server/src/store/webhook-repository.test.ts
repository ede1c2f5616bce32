import { describe, expect, it } from "vitest";
import { DIALECTS } from "../db/test-support/test-databases.js";
import { StoreConflictError } from "./store-errors.js";
import { at } from "./test-support/store-fixtures.js";
import { useStoreTestDatabase } from "./test-support/store-test-database.js";
import { createWebhookDeliveryRepository, type NewDelivery } from "./webhook-delivery-repository.js";
import { createWebhookRepository, type WebhookFields } from "./webhook-repository.js";

const chat: WebhookFields = {
  name: "chat",
  url: "https://hooks.example.com/T1/B2",
  events: ["findings.new", "finding.kev"],
  minSeverity: "high",
  format: "slack",
  enabled: true,
};

describe.each(DIALECTS)("webhook repository on %s", (dialect) => {
  const t = useStoreTestDatabase(dialect);
  const webhooks = () => createWebhookRepository(t.current.db);

  it("creates, reads, replaces and deletes webhooks; names are unique; the secret is never read back but to sign", async () => {
    const created = await webhooks().create({
      ...chat,
      id: "w1",
      secret: "s3cret-s3cret-s3cret",
      createdAt: at(0),
    });
    expect(created).toEqual({ ...chat, id: "w1", createdAt: at(0), updatedAt: at(0) });
    expect(JSON.stringify(created)).not.toContain("s3cret");
    expect(await webhooks().get("w1")).toEqual(created);
    expect(JSON.stringify(await webhooks().list())).not.toContain("s3cret");
    expect(await webhooks().signingSecret("w1")).toBe("s3cret-s3cret-s3cret");
    expect(await webhooks().signingSecret("nope")).toBeUndefined();

    await expect(
      webhooks().create({ ...chat, id: "w2", secret: "x".repeat(16), createdAt: at(1) }),
    ).rejects.toThrow(StoreConflictError);
    await webhooks().create({
      ...chat,
      id: "w2",
      name: "audit",
      events: ["scan.failed"],
      format: "generic",
      enabled: false,
      secret: "y".repeat(16),
      createdAt: at(1),
    });
    expect((await webhooks().list()).map((w) => w.name)).toEqual(["audit", "chat"]);
    await expect(webhooks().update("w2", { ...chat, updatedAt: at(2) })).rejects.toThrow(StoreConflictError);

    // replaced without a secret: the secret stays; with one: rotated
    const replaced = await webhooks().update("w1", { ...chat, minSeverity: "critical", updatedAt: at(3) });
    expect(replaced).toEqual({
      ...chat,
      minSeverity: "critical",
      id: "w1",
      createdAt: at(0),
      updatedAt: at(3),
    });
    expect(await webhooks().signingSecret("w1")).toBe("s3cret-s3cret-s3cret");
    await webhooks().update("w1", { ...chat, secret: "rotated-rotated-1", updatedAt: at(4) });
    expect(await webhooks().signingSecret("w1")).toBe("rotated-rotated-1");
    expect(await webhooks().update("nope", { ...chat, updatedAt: at(5) })).toBeUndefined();

    expect(await webhooks().delete("w2")).toBe(true);
    expect(await webhooks().delete("w2")).toBe(false);
    expect(await webhooks().get("w2")).toBeUndefined();
  });

  it("lists the enabled webhooks subscribed to an event type", async () => {
    await webhooks().create({ ...chat, id: "w1", secret: "a".repeat(16), createdAt: at(0) });
    await webhooks().create({
      ...chat,
      id: "w2",
      name: "off",
      enabled: false,
      secret: "b".repeat(16),
      createdAt: at(0),
    });
    await webhooks().create({
      ...chat,
      id: "w3",
      name: "failures",
      events: ["scan.failed"],
      secret: "c".repeat(16),
      createdAt: at(0),
    });
    expect((await webhooks().listSubscribed("finding.kev")).map((w) => w.id)).toEqual(["w1"]);
    expect((await webhooks().listSubscribed("scan.failed")).map((w) => w.id)).toEqual(["w3"]);
    expect(await webhooks().listSubscribed("advisory.affects")).toEqual([]);
  });
});

describe.each(DIALECTS)("webhook delivery repository on %s", (dialect) => {
  const t = useStoreTestDatabase(dialect);
  const webhooks = () => createWebhookRepository(t.current.db);
  const deliveries = () => createWebhookDeliveryRepository(t.current.db);
  const delivery = (id: string, fields: Partial<NewDelivery> = {}): NewDelivery => ({
    id,
    webhookId: "w1",
    eventId: `e-${id}`,
    eventType: "findings.new",
    payload: `{"n":"${id}"}`,
    createdAt: at(0),
    nextAttemptAt: at(0),
    ...fields,
  });
  const addWebhooks = async () => {
    await webhooks().create({ ...chat, id: "w1", secret: "one-one-one-one-1", createdAt: at(0) });
    await webhooks().create({
      ...chat,
      id: "w2",
      name: "two",
      secret: "two-two-two-two-2",
      createdAt: at(0),
    });
  };

  it("adds an event once per webhook, and records attempts", async () => {
    await addWebhooks();
    expect(
      await deliveries().add([delivery("d1"), delivery("d2", { webhookId: "w2", eventId: "e-d1" })]),
    ).toBe(2);
    // the same event for the same webhook again (a repeated write): nothing added
    expect(await deliveries().add([delivery("d3", { eventId: "e-d1" })])).toBe(0);
    expect(await deliveries().get("d3")).toBeUndefined();
    expect(await deliveries().get("d1")).toEqual({
      id: "d1",
      webhookId: "w1",
      eventId: "e-d1",
      eventType: "findings.new",
      payload: '{"n":"d1"}',
      state: "pending",
      attempts: 0,
      nextAttemptAt: at(0),
      createdAt: at(0),
    });
    await deliveries().recordAttempt("d1", {
      state: "pending",
      attempts: 1,
      nextAttemptAt: at(5),
      lastStatus: 503,
      lastError: "HTTP 503",
    });
    expect(await deliveries().get("d1")).toMatchObject({
      state: "pending",
      attempts: 1,
      lastStatus: 503,
      nextAttemptAt: at(5),
    });
    await deliveries().recordAttempt("d1", {
      state: "delivered",
      attempts: 2,
      nextAttemptAt: at(5),
      lastStatus: 200,
      deliveredAt: at(6),
    });
    const done = await deliveries().get("d1");
    expect(done).toMatchObject({ state: "delivered", attempts: 2, lastStatus: 200, deliveredAt: at(6) });
    expect(done?.lastError).toBeUndefined();
  });

  it("prunes the log of finished deliveries older than the cut, never a pending one", async () => {
    await addWebhooks();
    await deliveries().add([
      delivery("old-done"),
      delivery("old-failed"),
      delivery("old-pending"),
      delivery("new-done", { createdAt: at(100) }),
    ]);
    const end = { attempts: 1, nextAttemptAt: at(1) };
    await deliveries().recordAttempt("old-done", { ...end, state: "delivered", deliveredAt: at(1) });
    await deliveries().recordAttempt("old-failed", { ...end, state: "failed", lastError: "HTTP 404" });
    await deliveries().recordAttempt("new-done", { ...end, state: "delivered", deliveredAt: at(101) });
    expect(await deliveries().pruneFinished(at(50))).toBe(2);
    expect(await deliveries().get("old-done")).toBeUndefined();
    expect(await deliveries().get("old-failed")).toBeUndefined();
    expect(await deliveries().get("old-pending")).toMatchObject({ state: "pending" });
    expect(await deliveries().get("new-done")).toMatchObject({ state: "delivered" });
    expect(await deliveries().pruneFinished(at(50))).toBe(0);
  });

  it("claims due deliveries of enabled webhooks, one per webhook, once; a released one is due again", async () => {
    await addWebhooks();
    await deliveries().add([
      delivery("a1", { nextAttemptAt: at(1) }),
      delivery("a2", { nextAttemptAt: at(2) }),
      delivery("b1", { webhookId: "w2", nextAttemptAt: at(3) }),
      delivery("later", { webhookId: "w2", nextAttemptAt: at(60) }),
    ]);
    expect(await deliveries().nextDueAt()).toBe(at(1));
    const first = await deliveries().claimDue({ now: at(10), leaseUntil: at(20), limit: 10 });
    expect(first.map((c) => c.delivery.id)).toEqual(["a1", "b1"]);
    expect(first.map((c) => c.secret)).toEqual(["one-one-one-one-1", "two-two-two-two-2"]);
    expect(first[0]!.url).toBe(chat.url);
    expect(first[0]!.delivery.nextAttemptAt).toBe(at(20));
    // busy webhooks are left out; a claimed delivery is not claimed again before its lease ends
    expect(
      (await deliveries().claimDue({ now: at(10), leaseUntil: at(20), limit: 10, busyWebhooks: ["w1"] })).map(
        (c) => c.delivery.id,
      ),
    ).toEqual([]);
    expect(
      (await deliveries().claimDue({ now: at(10), leaseUntil: at(20), limit: 10 })).map((c) => c.delivery.id),
    ).toEqual(["a2"]);
    await deliveries().release("b1", at(11));
    expect(
      (await deliveries().claimDue({ now: at(11), leaseUntil: at(21), limit: 1 })).map((c) => c.delivery.id),
    ).toEqual(["b1"]);

    // a disabled webhook's deliveries wait
    await deliveries().recordAttempt("a1", {
      state: "delivered",
      attempts: 1,
      nextAttemptAt: at(20),
      deliveredAt: at(10),
    });
    await deliveries().recordAttempt("a2", {
      state: "failed",
      attempts: 1,
      nextAttemptAt: at(20),
      lastStatus: 404,
    });
    await webhooks().update("w2", { ...chat, name: "two", enabled: false, updatedAt: at(12) });
    expect(await deliveries().claimDue({ now: at(100), leaseUntil: at(120), limit: 10 })).toEqual([]);
    expect(await deliveries().nextDueAt()).toBeUndefined();
  });

  it("pages one webhook's log newest first; deleting the webhook deletes its log", async () => {
    await addWebhooks();
    await deliveries().add([
      delivery("d1", { createdAt: at(1) }),
      delivery("d2", { createdAt: at(2) }),
      delivery("d3", { createdAt: at(2) }),
      delivery("x", { webhookId: "w2", createdAt: at(3) }),
    ]);
    const first = await deliveries().listByWebhook("w1", { limit: 2 });
    expect(first.items.map((d) => d.id)).toEqual(["d3", "d2"]);
    const second = await deliveries().listByWebhook("w1", { limit: 2, cursor: first.nextCursor! });
    expect(second.items.map((d) => d.id)).toEqual(["d1"]);
    expect(second.nextCursor).toBeUndefined();
    await expect(deliveries().listByWebhook("w1", { cursor: "garbage" })).rejects.toThrow(/cursor/);
    await webhooks().delete("w1");
    expect((await deliveries().listByWebhook("w1")).items).toEqual([]);
    expect(await deliveries().get("d1")).toBeUndefined();
  });
});
