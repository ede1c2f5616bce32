import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase } from "../db/create-database.js";
import { type RunningServer, startServer } from "../serve/start-server.js";
import { type BearerTokenAuthenticator, principalOf } from "./principal.js";
import type { RouteDefinition } from "./route-definition.js";

const agentTokens: BearerTokenAuthenticator = {
  async authenticate(token) {
    return token === "agent-secret" ? { kind: "agent", agentId: "a1", clusterId: "c1" } : undefined;
  },
};
const userTokens: BearerTokenAuthenticator = {
  async authenticate(token) {
    return token === "user-secret"
      ? { kind: "user", userId: "u1", name: "u1@example.test", role: "owner", via: "token" }
      : undefined;
  },
};

const routes: RouteDefinition[] = [
  {
    method: "post",
    path: "/api/v1/agent/ping",
    access: "agent",
    summary: "test",
    tags: ["test"],
    responses: { 200: { description: "ok" } },
    handler: (c) => c.json({ principal: principalOf(c) ?? null }),
  },
  {
    method: "get",
    path: "/api/v1/whoami",
    access: "public",
    summary: "test",
    tags: ["test"],
    responses: { 200: { description: "ok" } },
    handler: (c) => c.json({ principal: principalOf(c) ?? null }),
  },
];

interface Body {
  readonly principal: unknown;
  readonly error: { readonly message: string };
}
const body = async (response: Response) => (await response.json()) as Body;

describe("bearer authentication", () => {
  let server: RunningServer;
  const dataDir = mkdtempSync(join(tmpdir(), "vigil-bearer-"));
  beforeAll(async () => {
    server = await startServer({
      port: 0,
      host: "127.0.0.1",
      database: createDatabase({ dataDir }),
      version: "test",
      logger: pino({ level: "silent" }),
      routes: () => routes,
      authenticators: () => [userTokens, agentTokens],
    });
  });
  afterAll(async () => {
    await server?.close();
    await server?.database.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const call = (path: string, method: string, token?: string) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: token === undefined ? {} : { authorization: token },
    });

  it("sets the principal of the authenticator that knows the token", async () => {
    const user = await call("/api/v1/whoami", "GET", "Bearer user-secret");
    expect((await body(user)).principal).toMatchObject({ kind: "user", userId: "u1" });
    const agent = await call("/api/v1/whoami", "GET", "Bearer agent-secret");
    expect((await body(agent)).principal).toMatchObject({ kind: "agent", clusterId: "c1" });
    const anonymous = await call("/api/v1/whoami", "GET");
    expect((await body(anonymous)).principal).toBeNull();
  });

  it("refuses an unknown token or a malformed header with 401 instead of treating it as anonymous", async () => {
    const unknown = await call("/api/v1/whoami", "GET", "Bearer nobody");
    expect(unknown.status).toBe(401);
    expect((await body(unknown)).error.message).toMatch(/unknown or revoked/);
    const malformed = await call("/api/v1/whoami", "GET", "Basic dXNlcjpwYXNz");
    expect(malformed.status).toBe(401);
    expect((await body(malformed)).error.message).toMatch(/Bearer <token>/);
  });

  it("lets only agents call agent routes", async () => {
    expect((await call("/api/v1/agent/ping", "POST")).status).toBe(401);
    expect((await call("/api/v1/agent/ping", "POST", "Bearer user-secret")).status).toBe(403);
    const agent = await call("/api/v1/agent/ping", "POST", "Bearer agent-secret");
    expect(agent.status).toBe(200);
    expect((await body(agent)).principal).toMatchObject({ kind: "agent", agentId: "a1" });
  });
});
