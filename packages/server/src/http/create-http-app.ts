import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AuditEventRepository } from "../store/audit-event-repository.js";
import { auditWrites } from "./audit-writes.js";
import { authorize } from "./authorize.js";
import { authenticateBearer } from "./bearer-authentication.js";
import { isDatabaseUnavailable } from "./database-unavailable.js";
import type { HttpMetrics } from "./http-metrics.js";
import { openApiDocument } from "./openapi-document.js";
import { type BearerTokenAuthenticator, principalOf } from "./principal.js";
import { ApiError, DEFAULT_MAX_BODY_BYTES, type RouteDefinition } from "./route-definition.js";
import { csrfRefusalOf, type SessionAuthentication } from "./session-authentication.js";
import type { WebAppAssets } from "./web-app/web-app-assets.js";
import { webAppResponse } from "./web-app/web-app-handler.js";

/** Options of {@link createHttpApp}. */
export interface HttpAppOptions {
  readonly routes: readonly RouteDefinition[];
  readonly version: string;
  readonly metrics: HttpMetrics;
  /** Who a bearer token stands for (user API tokens, agent tokens), tried in order. */
  readonly authenticators?: readonly BearerTokenAuthenticator[];
  /** Sign-in sessions (cookie and CSRF token); absent: bearer tokens only. */
  readonly sessions?: SessionAuthentication;
  /** Where every write is recorded; absent: nothing is audited. */
  readonly audit?: AuditEventRepository;
  /** Whether nobody can sign in yet: an anonymous 401 then says to run `vigil admin create-owner`. */
  readonly hasNoUsers?: () => Promise<boolean>;
  /** The audit log's clock; default the system clock. */
  readonly now?: () => Date;
  /** Where unexpected errors go (never to the client). */
  readonly logError?: (message: string, error: unknown) => void;
  /** The built web UI, served outside `/api` (absent: API only). */
  readonly webApp?: WebAppAssets;
}

/** Headers every answer carries. */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
  "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
  "Content-Security-Policy":
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
};

/**
 * API answers hold findings, users and tokens: no browser or proxy may keep them (a route that
 * sets its own Cache-Control keeps it). The UI's files set theirs (immutable assets, no-cache page).
 */
const API_CACHE_CONTROL = "no-store";

/**
 * The HTTP API as a Hono app: every route from its definition, `GET /api/v1/openapi.json`
 * generated from the same definitions, `GET /metrics`, JSON errors (`{error: {status,
 * message, details}}`), 503 when the database is unreachable, and secure headers.
 *
 * Every request is authenticated (a bearer token through `authenticators`, else the session
 * cookie) and authorized against its route's `access` before the handler runs; every write is
 * audited, refused ones included.
 */
export function createHttpApp(options: HttpAppOptions): Hono {
  const { metrics } = options;
  const app = new Hono();
  const routes = [
    ...options.routes,
    {
      method: "get",
      path: "/api/v1/openapi.json",
      access: "public",
      summary: "This API's OpenAPI 3.1 document",
      tags: ["system"],
      responses: { 200: { description: "The document", schema: { type: "object" } } },
      handler: (c) => c.json(openApiDocument(routes, options.version)),
    },
    {
      method: "get",
      path: "/metrics",
      access: "public",
      summary: "Prometheus metrics",
      tags: ["system"],
      responses: {
        200: {
          description: "Metrics in the Prometheus text format",
          contentType: "text/plain",
          schema: { type: "string" },
        },
      },
      handler: async (c) =>
        c.body(await metrics.registry.metrics(), 200, { "Content-Type": metrics.registry.contentType }),
    },
  ] satisfies RouteDefinition[] as RouteDefinition[];

  app.use("*", async (c, next) => {
    const started = process.hrtime.bigint();
    await next();
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.header(name, value);
    if (c.req.path.startsWith("/api/") && !c.res.headers.has("Cache-Control")) {
      c.header("Cache-Control", API_CACHE_CONTROL);
    }
    const route = c.req.routePath ?? "unmatched";
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    metrics.requests.inc({ method: c.req.method, route, status: String(c.res.status) });
    metrics.duration.observe({ method: c.req.method, route }, seconds);
  });

  if (options.audit) {
    app.use(
      "*",
      auditWrites({
        events: options.audit,
        now: options.now ?? (() => new Date()),
        ...(options.logError ? { logError: options.logError } : {}),
      }),
    );
  }

  const authenticators = options.authenticators ?? [];
  const { sessions } = options;
  app.use("*", async (c, next) => {
    // a bearer token wins over a cookie: a program that sends one means it
    const principal = await authenticateBearer(c, authenticators);
    if (!principal && sessions) await sessions.authenticate(c);
    await next();
  });

  for (const route of routes) {
    // read as it streams in: a body past the limit is cut off with 413, whatever Content-Length says
    const maxBytes = route.requestBody?.maxBytes ?? DEFAULT_MAX_BODY_BYTES;
    const limit = bodyLimit({
      maxSize: maxBytes,
      onError: (c) =>
        c.json(
          {
            error: {
              status: 413,
              message: `the request body is larger than ${maxBytes} bytes, the most ${route.method.toUpperCase()} ${route.path} takes`,
            },
          },
          413,
        ),
    });
    app.on(route.method.toUpperCase(), route.path, limit, async (c) => {
      await authorize(route, principalOf(c), options.hasNoUsers, csrfRefusalOf(c));
      return route.handler(c);
    });
  }

  // The UI last: no API route can be shadowed by it, and it needs no principal (the page holds
  // no data; every call it makes is authorized as any other).
  const { webApp } = options;
  if (webApp) {
    app.on(["GET", "HEAD"], "*", (c, next) => webAppResponse(c, webApp) ?? next());
  }

  app.notFound((c) =>
    c.json({ error: { status: 404, message: `no route for ${c.req.method} ${c.req.path}` } }, 404),
  );
  app.onError((error, c) => {
    if (error instanceof ApiError) {
      const retryAfter = (error.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
      if (error.status === 429 && typeof retryAfter === "number") c.header("Retry-After", String(retryAfter));
      return c.json(
        {
          error: {
            status: error.status,
            message: error.message,
            ...(error.details === undefined ? {} : { details: error.details }),
          },
        },
        error.status as 400,
      );
    }
    if (isDatabaseUnavailable(error)) {
      options.logError?.("database unavailable", error);
      c.header("Retry-After", "5");
      return c.json({ error: { status: 503, message: "the database is unavailable; retry shortly" } }, 503);
    }
    options.logError?.(`${c.req.method} ${c.req.path} failed`, error);
    return c.json({ error: { status: 500, message: "internal error (see the server log)" } }, 500);
  });
  return app;
}
