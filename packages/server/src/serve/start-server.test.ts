import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { DIALECTS, useTestDatabase } from "../db/test-support/test-databases.js";
import { apiRoutes } from "../http/routes/api-routes.js";
import { NO_USERS_YET, type RunningServer, startServer } from "./start-server.js";

const silent = pino({ level: "silent" });

describe.each(DIALECTS)("the HTTP server on %s", (dialect) => {
  const database = useTestDatabase(dialect);
  let server: RunningServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const start = async (withRoutes = false) => {
    server = await startServer({
      database: database.current,
      port: 0,
      host: "127.0.0.1",
      version: "9.9.9",
      logger: silent,
      ...(withRoutes ? { routes: (db, services) => apiRoutes({ database: db, ...services }) } : {}),
    });
    return server;
  };

  it("answers health with the database it uses, over real HTTP", async () => {
    const { url } = await start();
    const response = await fetch(`${url}/api/v1/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok", version: "9.9.9", database: dialect });
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("content-security-policy")).toMatch(/default-src 'self'/);
  });

  it("sends the secure headers on every answer, refusals and unknown paths included, and never lets the API be cached", async () => {
    const { url } = await start(true);
    for (const [path, status] of [
      ["/api/v1/health", 200],
      ["/api/v1/findings", 401],
      ["/api/v1/no-such-route", 404],
      ["/metrics", 200],
    ] as const) {
      const response = await fetch(`${url}${path}`);
      expect(response.status, path).toBe(status);
      const headers = Object.fromEntries(response.headers);
      expect(headers, path).toMatchObject({
        "x-content-type-options": "nosniff",
        "x-frame-options": "DENY",
        "referrer-policy": "no-referrer",
        "cross-origin-opener-policy": "same-origin",
        "cross-origin-resource-policy": "same-origin",
      });
      const csp = new Map(
        headers["content-security-policy"]!.split(";").map((d) => {
          const [name, ...values] = d.trim().split(/\s+/);
          return [name!, values.join(" ")] as const;
        }),
      );
      // strict: scripts and styles only from the server's own files, nothing inline or evaluated
      expect(Object.fromEntries(csp), path).toEqual({
        "default-src": "'self'",
        "img-src": "'self' data:",
        "style-src": "'self'",
        "script-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
      });
      if (path.startsWith("/api/")) expect(headers["cache-control"], path).toBe("no-store");
    }
  });

  it("serves an OpenAPI 3.1 document generated from the route definitions, with each route's access", async () => {
    const { url } = await start();
    const doc = (await (await fetch(`${url}/api/v1/openapi.json`)).json()) as {
      openapi: string;
      info: { version: string };
      paths: Record<string, Record<string, { "x-vigil-access": string; responses: object }>>;
    };
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info.version).toBe("9.9.9");
    expect(doc.paths["/api/v1/health"]?.get?.["x-vigil-access"]).toBe("public");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/api/v1/health", "/api/v1/openapi.json", "/metrics"]),
    );
  });

  it("counts requests per route in Prometheus metrics", async () => {
    const { url } = await start();
    await fetch(`${url}/api/v1/health`);
    await fetch(`${url}/api/v1/health`);
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toMatch(
      /vigil_http_requests_total\{method="GET",route="\/api\/v1\/health",status="200"\} 2/,
    );
    expect(text).toMatch(/vigil_process_resident_memory_bytes/);
  });

  it("answers an unknown route with a JSON 404", async () => {
    const { url } = await start();
    const response = await fetch(`${url}/api/v1/nothing-here`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: { status: 404, message: "no route for GET /api/v1/nothing-here" },
    });
  });

  it("says at start, and to anonymous callers, that a fresh install needs vigil admin create-owner", async () => {
    const lines: string[] = [];
    server = await startServer({
      database: database.current,
      port: 0,
      host: "127.0.0.1",
      version: "9.9.9",
      logger: pino({ level: "warn" }, { write: (line: string) => lines.push(line) }),
    });
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual([NO_USERS_YET]);
    const refused = await fetch(`${server.url}/api/v1/auth/session`);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(
      /no users yet: run `vigil admin create-owner/,
    );
  });

  it("answers 503, not 500, while the database is unreachable, and stays up", async () => {
    const { url } = await start();
    await database.current.close();
    const response = await fetch(`${url}/api/v1/health`);
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
    expect(((await response.json()) as { database: string }).database).toBe("unavailable");
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
  });
});
