import { describe, expect, it } from "vitest";
import { DIALECTS } from "../../db/test-support/test-databases.js";
import { createWebhookDeliveryRepository } from "../../store/webhook-delivery-repository.js";
import { createWebhookRepository } from "../../store/webhook-repository.js";
import { expectJson, NOW, useApiServer } from "./test-support/api-test-server.js";

interface WebhookResponse {
  id: string;
  name: string;
  url: string;
  events: string[];
  minSeverity: string;
  format: string;
  enabled: boolean;
  secret?: string;
}

interface ErrorResponse {
  error: { message: string; details: { field: string; reason: string } };
}

const body = {
  name: "chat",
  url: "https://hooks.example.invalid/services/T1/B2",
  events: ["findings.new", "advisory.affects"],
  format: "slack",
};

describe.each(DIALECTS)("webhook routes on %s", (dialect) => {
  const api = useApiServer(dialect);

  it("creates a webhook and shows its generated secret once; lists, reads, replaces and deletes it", async () => {
    const response = await api.request("/api/v1/webhooks", { method: "POST", json: body });
    const created = await expectJson<WebhookResponse>(response, 201);
    expect(response.headers.get("location")).toBe(`/api/v1/webhooks/${created.id}`);
    expect(created).toMatchObject({ ...body, minSeverity: "high", enabled: true });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(await createWebhookRepository(api.db).signingSecret(created.id)).toBe(created.secret);

    // never again: not in the list, not in the webhook, not after a replace
    const listed = await expectJson<{ items: WebhookResponse[] }>(await api.request("/api/v1/webhooks"), 200);
    expect(listed.items.map((w) => w.name)).toEqual(["chat"]);
    const read = await expectJson<WebhookResponse>(await api.request(`/api/v1/webhooks/${created.id}`), 200);
    expect(JSON.stringify([listed, read])).not.toContain(created.secret!);
    expect(read).toEqual({ ...listed.items[0], createdAt: NOW.toISOString(), updatedAt: NOW.toISOString() });

    const replaced = await expectJson<WebhookResponse>(
      await api.request(`/api/v1/webhooks/${created.id}`, {
        method: "PUT",
        json: { ...body, minSeverity: "critical", enabled: false, secret: "my-own-secret-0123" },
      }),
      200,
    );
    expect(replaced).toMatchObject({ minSeverity: "critical", enabled: false });
    expect(replaced.secret).toBeUndefined();
    expect(await createWebhookRepository(api.db).signingSecret(created.id)).toBe("my-own-secret-0123");

    // a name is unique
    await expectJson(await api.request("/api/v1/webhooks", { method: "POST", json: body }), 409);
    expect((await api.request(`/api/v1/webhooks/${created.id}`, { method: "DELETE" })).status).toBe(204);
    await expectJson(await api.request(`/api/v1/webhooks/${created.id}`), 404);
    await expectJson(await api.request(`/api/v1/webhooks/${created.id}`, { method: "DELETE" }), 404);
  });

  it("refuses bad input, naming the field", async () => {
    const refused = async (json: unknown, field: string, reason: RegExp) => {
      const error = await expectJson<ErrorResponse>(
        await api.request("/api/v1/webhooks", { method: "POST", json }),
        400,
      );
      expect(error.error.details.field).toBe(field);
      expect(error.error.details.reason).toMatch(reason);
    };
    await refused({ ...body, url: "ftp://example.com/x" }, "url", /scheme must be http or https/);
    await refused({ ...body, url: "https://user:pw@example.com/x" }, "url", /credentials in the URL/);
    await refused({ ...body, url: "/relative" }, "url", /not an absolute URL/);
    await refused({ ...body, events: [] }, "events", /non-empty list/);
    await refused({ ...body, events: ["findings.new", "everything"] }, "events[1]", /expected one of/);
    await refused({ ...body, minSeverity: "severe" }, "minSeverity", /expected one of/);
    await refused({ ...body, format: "teams" }, "format", /expected one of generic, slack/);
    await refused({ ...body, secret: "short" }, "secret", /at least 16/);
    await refused({ ...body, enabled: "yes" }, "enabled", /true or false/);
    await refused({ ...body, headers: {} }, "headers", /unknown field/);
    await refused({ url: body.url, events: body.events }, "name", /required/);
    expect(
      (await expectJson<{ items: unknown[] }>(await api.request("/api/v1/webhooks"), 200)).items,
    ).toEqual([]);
  });

  it("pages the delivery log with a cursor, refuses a foreign cursor, and queues a test ping", async () => {
    const created = await expectJson<WebhookResponse>(
      await api.request("/api/v1/webhooks", { method: "POST", json: body }),
      201,
    );
    await createWebhookDeliveryRepository(api.db).add(
      [1, 2, 3].map((n) => ({
        id: `d${n}`,
        webhookId: created.id,
        eventId: `e${n}`,
        eventType: "findings.new",
        payload: "{}",
        createdAt: `2024-06-01T00:0${n}:00.000Z`,
        nextAttemptAt: "2099-01-01T00:00:00.000Z",
      })),
    );
    const first = await expectJson<{ items: { id: string }[]; nextCursor?: string }>(
      await api.request(`/api/v1/webhooks/${created.id}/deliveries?limit=2`),
      200,
    );
    expect(first.items.map((d) => d.id)).toEqual(["d3", "d2"]);
    const second = await expectJson<{ items: { id: string }[]; nextCursor?: string }>(
      await api.request(`/api/v1/webhooks/${created.id}/deliveries?limit=2&cursor=${first.nextCursor}`),
      200,
    );
    expect(second).toEqual({ items: [expect.objectContaining({ id: "d1", state: "pending", attempts: 0 })] });
    await expectJson(await api.request(`/api/v1/webhooks/${created.id}/deliveries?cursor=nope`), 400);
    await expectJson(await api.request(`/api/v1/webhooks/${created.id}/deliveries?limit=0`), 400);
    await expectJson(await api.request(`/api/v1/webhooks/${created.id}/deliveries?page=2`), 400);
    await expectJson(await api.request("/api/v1/webhooks/nope/deliveries"), 404);

    const ping = await expectJson<{ id: string; eventType: string; state: string; payload: string }>(
      await api.request(`/api/v1/webhooks/${created.id}/test`, { method: "POST" }),
      202,
    );
    expect(ping).toMatchObject({ eventType: "ping" });
    expect(JSON.parse(ping.payload).text).toMatch(/^Vigil webhook test/);
    await expectJson(await api.request("/api/v1/webhooks/nope/test", { method: "POST" }), 404);
  });
});
