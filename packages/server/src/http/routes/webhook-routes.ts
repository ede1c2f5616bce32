import type { NotificationOutbox } from "../../notify/notification-outbox.js";
import { generateWebhookSecret } from "../../notify/webhook-signature.js";
import type { WebhookUrlPolicy } from "../../notify/webhook-url.js";
import { MAX_PAGE_SIZE } from "../../store/keyset.js";
import type { WebhookDeliveryRepository } from "../../store/webhook-delivery-repository.js";
import type { WebhookRepository } from "../../store/webhook-repository.js";
import { ApiError, type RouteDefinition } from "../route-definition.js";
import { cursorParameter, errorResponses, idParameter, pageSchema } from "./api-schemas.js";
import {
  notFound,
  onlyQueryParameters,
  queryInteger,
  queryString,
  readJsonObject,
  resourceUrl,
} from "./request-input.js";
import { webhookInput } from "./webhook-input.js";
import {
  createdWebhookSchema,
  deliverySchema,
  webhookInputSchema,
  webhookSchema,
} from "./webhook-schemas.js";

/** What the webhook routes read, write and call. */
export interface WebhookRouteDeps {
  readonly webhooks: WebhookRepository;
  readonly deliveries: WebhookDeliveryRepository;
  /** Writes test pings; absent when the server sends no notifications (the test route answers 503). */
  readonly outbox?: Pick<NotificationOutbox, "ping">;
  readonly urlPolicy: WebhookUrlPolicy;
  readonly now: () => Date;
  readonly newId: () => string;
}

const webhookBody = {
  description: "The webhook: where to send which events, in which format",
  contentType: "application/json",
  schema: webhookInputSchema,
};

const inputErrors = errorResponses({
  400: "A field is missing or invalid (the URL: not http(s), credentials in it, a host not allowed)",
  409: "Another webhook has this name",
});

/** Webhooks (`maintainer`): list, create, read, replace, delete, send a test ping, read the delivery log. */
export function webhookRoutes(deps: WebhookRouteDeps): RouteDefinition[] {
  const requireWebhook = async (id: string) => {
    const webhook = await deps.webhooks.get(id);
    if (!webhook) throw notFound("webhook", id);
    return webhook;
  };
  return [
    {
      method: "get",
      path: "/api/v1/webhooks",
      access: "maintainer",
      summary: "Every webhook, by name (secrets are never shown)",
      tags: ["webhooks"],
      responses: {
        200: {
          description: "The webhooks",
          schema: { type: "object", properties: { items: { type: "array", items: webhookSchema } } },
        },
      },
      handler: async (c) => c.json({ items: await deps.webhooks.list() }),
    },
    {
      method: "post",
      path: "/api/v1/webhooks",
      access: "maintainer",
      summary: "Create a webhook; the answer shows its signing secret, this once",
      tags: ["webhooks"],
      requestBody: webhookBody,
      responses: { 201: { description: "Created", schema: createdWebhookSchema }, ...inputErrors },
      handler: async (c) => {
        const { secret: given, ...fields } = webhookInput(await readJsonObject(c), deps.urlPolicy);
        const secret = given ?? generateWebhookSecret();
        const record = await deps.webhooks.create({
          ...fields,
          id: deps.newId(),
          secret,
          createdAt: deps.now().toISOString(),
        });
        c.header("Location", resourceUrl(c, `/api/v1/webhooks/${encodeURIComponent(record.id)}`));
        return c.json({ ...record, secret }, 201);
      },
    },
    {
      method: "get",
      path: "/api/v1/webhooks/:id",
      access: "maintainer",
      summary: "One webhook (without its secret)",
      tags: ["webhooks"],
      parameters: [idParameter("The webhook id")],
      responses: {
        200: { description: "The webhook", schema: webhookSchema },
        ...errorResponses({ 404: "No such webhook" }),
      },
      handler: async (c) => c.json(await requireWebhook(c.req.param("id")!)),
    },
    {
      method: "put",
      path: "/api/v1/webhooks/:id",
      access: "maintainer",
      summary: "Replace a webhook's settings; a `secret` rotates the signing key, none keeps it",
      tags: ["webhooks"],
      parameters: [idParameter("The webhook id")],
      requestBody: webhookBody,
      responses: {
        200: { description: "Replaced", schema: webhookSchema },
        ...inputErrors,
        ...errorResponses({ 404: "No such webhook" }),
      },
      handler: async (c) => {
        const id = c.req.param("id")!;
        await requireWebhook(id);
        const fields = webhookInput(await readJsonObject(c), deps.urlPolicy);
        const record = await deps.webhooks.update(id, { ...fields, updatedAt: deps.now().toISOString() });
        if (!record) throw notFound("webhook", id);
        return c.json(record);
      },
    },
    {
      method: "delete",
      path: "/api/v1/webhooks/:id",
      access: "maintainer",
      summary: "Delete a webhook and its delivery log (pending deliveries are not sent)",
      tags: ["webhooks"],
      parameters: [idParameter("The webhook id")],
      responses: { 204: { description: "Deleted" }, ...errorResponses({ 404: "No such webhook" }) },
      handler: async (c) => {
        const id = c.req.param("id")!;
        if (!(await deps.webhooks.delete(id))) throw notFound("webhook", id);
        return c.body(null, 204);
      },
    },
    {
      method: "post",
      path: "/api/v1/webhooks/:id/test",
      access: "maintainer",
      summary: "Send the webhook a `ping` (signed like every delivery); follow it in the delivery log",
      tags: ["webhooks"],
      parameters: [idParameter("The webhook id")],
      responses: {
        202: { description: "Queued: the delivery, pending", schema: deliverySchema },
        ...errorResponses({ 404: "No such webhook", 503: "This server sends no notifications" }),
      },
      handler: async (c) => {
        const webhook = await requireWebhook(c.req.param("id")!);
        if (!deps.outbox)
          throw new ApiError(503, "this server sends no notifications: start it with notifications on");
        return c.json(await deps.outbox.ping(webhook), 202);
      },
    },
    {
      method: "get",
      path: "/api/v1/webhooks/:id/deliveries",
      access: "maintainer",
      summary: "The webhook's deliveries, newest first: state, attempts, last status or error, payload",
      tags: ["webhooks"],
      parameters: [
        idParameter("The webhook id"),
        cursorParameter(),
        {
          name: "limit",
          in: "query",
          description: `Deliveries per page, 1 to ${MAX_PAGE_SIZE}; default 50`,
          schema: { type: "integer", minimum: 1, maximum: MAX_PAGE_SIZE },
        },
      ],
      responses: {
        200: { description: "A page of deliveries", schema: pageSchema(deliverySchema) },
        ...errorResponses({
          400: "A malformed parameter or a cursor this server did not issue",
          404: "No such webhook",
        }),
      },
      handler: async (c) => {
        onlyQueryParameters(c, ["cursor", "limit"]);
        const webhook = await requireWebhook(c.req.param("id")!);
        const cursor = queryString(c, "cursor");
        const limit = queryInteger(c, "limit", 1, MAX_PAGE_SIZE);
        const page = await deps.deliveries.listByWebhook(webhook.id, {
          ...(cursor !== undefined ? { cursor } : {}),
          ...(limit !== undefined ? { limit } : {}),
        });
        return c.json(page);
      },
    },
  ];
}
