/**
 * The authorization table: every route the server registers (health, sign-in, users, audit,
 * every resource route, the OpenAPI document and metrics, listed from the OpenAPI document,
 * which is generated from the very list `createHttpApp` registers) against the access this
 * table expects. A route missing here, or an entry here without a route, fails; so does a
 * route whose declared access differs. Then every route is called over real HTTP as every
 * kind of caller, and must be let in (any answer but 401/403) or refused with the right
 * status and the role it needs.
 */
import { describe, expect, it } from "vitest";
import { DIALECTS } from "../db/test-support/test-databases.js";
import { type RouteAccess, roleAtLeast } from "./role.js";
import { CALLERS, type Caller, expectJson, useApiServer } from "./routes/test-support/api-test-server.js";

/** `METHOD /path` (OpenAPI path syntax) → the least access it needs. */
const EXPECTED_ACCESS: Readonly<Record<string, RouteAccess>> = {
  // system: health, the API description and metrics are for probes, clients and scrapers
  "GET /api/v1/health": "public",
  "GET /api/v1/openapi.json": "public",
  "GET /metrics": "public",
  // signing in and out, who am I
  "POST /api/v1/auth/login": "public",
  "POST /api/v1/auth/logout": "guest",
  "GET /api/v1/auth/session": "guest",
  // every user's own API tokens
  "GET /api/v1/users/me/tokens": "guest",
  "POST /api/v1/users/me/tokens": "guest",
  "DELETE /api/v1/users/me/tokens/{id}": "guest",
  // users, roles and the audit log: owner
  "GET /api/v1/users": "owner",
  "POST /api/v1/users": "owner",
  "GET /api/v1/users/{id}": "owner",
  "PATCH /api/v1/users/{id}": "owner",
  "GET /api/v1/audit-events": "owner",
  // viewing vulnerability reports, and triage: developer
  "GET /api/v1/clusters": "developer",
  "GET /api/v1/clusters/{id}": "developer",
  "GET /api/v1/clusters/{id}/workloads": "developer",
  "GET /api/v1/scans": "developer",
  "GET /api/v1/scans/{id}": "developer",
  "GET /api/v1/findings": "developer",
  "GET /api/v1/findings/summary": "developer",
  "GET /api/v1/findings/trend": "developer",
  "GET /api/v1/findings/export": "developer",
  "GET /api/v1/findings/{id}": "developer",
  "POST /api/v1/findings/state": "developer",
  "POST /api/v1/findings/{id}/state": "developer",
  "POST /api/v1/projects/{project}/development-findings": "developer",
  // reading the scan schedule: the report's empty state says whether scans are scheduled
  "GET /api/v1/policies": "developer",
  "GET /api/v1/policies/{id}": "developer",
  // clusters, policies, and running scans on clusters: maintainer
  "POST /api/v1/clusters": "maintainer",
  "POST /api/v1/scans": "maintainer",
  "POST /api/v1/scans/{id}/cancel": "maintainer",
  "POST /api/v1/policies": "maintainer",
  "PUT /api/v1/policies/{id}": "maintainer",
  "PATCH /api/v1/policies/{id}": "maintainer",
  "DELETE /api/v1/policies/{id}": "maintainer",
  // in-cluster agents: registering and revoking them is a maintainer's
  "POST /api/v1/clusters/{id}/agents": "maintainer",
  "GET /api/v1/clusters/{id}/agents": "maintainer",
  "DELETE /api/v1/agents/{id}": "maintainer",
  // webhooks: maintainer
  "GET /api/v1/webhooks": "maintainer",
  "POST /api/v1/webhooks": "maintainer",
  "GET /api/v1/webhooks/{id}": "maintainer",
  "PUT /api/v1/webhooks/{id}": "maintainer",
  "DELETE /api/v1/webhooks/{id}": "maintainer",
  "POST /api/v1/webhooks/{id}/test": "maintainer",
  "GET /api/v1/webhooks/{id}/deliveries": "maintainer",
  // what agents call, with their own token only
  "GET /api/v1/agent/config": "agent",
  "POST /api/v1/agent/scans/claim": "agent",
  "POST /api/v1/agent/scans/{id}/result": "agent",
  "POST /api/v1/agent/scans/{id}/discovery": "agent",
};

/** What `caller` should get from a route that needs `access`: let in, or 401/403. */
function expectedStatus(access: RouteAccess, caller: Caller): "allowed" | 401 | 403 {
  if (access === "public") return "allowed";
  if (caller === "anonymous") return 401;
  if (access === "agent") return caller === "agent" ? "allowed" : 403;
  if (caller === "agent") return 403;
  return roleAtLeast(caller, access) ? "allowed" : 403;
}

interface OpenApiDocument {
  readonly paths: Record<string, Record<string, { readonly "x-vigil-access": RouteAccess }>>;
}

describe.each(DIALECTS)("authorization of every route on %s", (dialect) => {
  const api = useApiServer(dialect);

  const registered = async () => {
    const doc = await expectJson<OpenApiDocument>(await api.request("/api/v1/openapi.json"), 200);
    return Object.fromEntries(
      Object.entries(doc.paths).flatMap(([path, operations]) =>
        Object.entries(operations).map(([method, op]) => [
          `${method.toUpperCase()} ${path}`,
          op["x-vigil-access"],
        ]),
      ),
    );
  };

  it("has a rule in the table for every registered route, and a route for every rule", async () => {
    const routes = await registered();
    const missing = Object.keys(routes).filter((route) => !(route in EXPECTED_ACCESS));
    const stale = Object.keys(EXPECTED_ACCESS).filter((route) => !(route in routes));
    expect(missing, "routes without a rule in EXPECTED_ACCESS").toEqual([]);
    expect(stale, "rules in EXPECTED_ACCESS without a route").toEqual([]);
    expect(routes).toEqual(EXPECTED_ACCESS);
  });

  it("tells OpenAPI clients how each route is authenticated", async () => {
    const doc = await expectJson<{
      paths: Record<string, Record<string, { security: unknown }>>;
      components: { securitySchemes: Record<string, unknown> };
    }>(await api.request("/api/v1/openapi.json"), 200);
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(["bearerToken", "session"]);
    expect(doc.paths["/api/v1/health"]!.get!.security).toEqual([]);
    expect(doc.paths["/api/v1/users"]!.get!.security).toEqual([{ bearerToken: [] }, { session: [] }]);
  });

  it("lets in or refuses every caller of every route as the table says, naming the role needed", async () => {
    const routes = await registered();
    const wrong: string[] = [];
    for (const route of Object.keys(routes)) {
      // the table's rule, not the route's own declaration: a route that declares the wrong
      // access fails here too, by what it does
      const access = EXPECTED_ACCESS[route];
      if (access === undefined) {
        wrong.push(`${route}: no rule in EXPECTED_ACCESS`);
        continue;
      }
      const [method, template] = route.split(" ") as [string, string];
      // an id nobody has: handlers then answer 404 or 400, and change nothing
      const path = template.replace(/\{[^}]+\}/g, "no-such-id");
      for (const caller of CALLERS) {
        const response = await api.request(path, {
          method,
          as: caller,
          ...(method === "GET" ? {} : { json: {} }),
        });
        const text = await response.text();
        const expected = expectedStatus(access, caller);
        const got = response.status === 401 || response.status === 403 ? response.status : "allowed";
        if (got !== expected || response.status >= 500) {
          wrong.push(
            `${route} as ${caller}: expected ${expected}, got ${response.status} ${text.slice(0, 200)}`,
          );
          continue;
        }
        if (got !== "allowed" && access !== "agent") {
          const body = JSON.parse(text) as { error: { details?: { needed?: string } } };
          if (body.error.details?.needed !== access) {
            wrong.push(`${route} as ${caller}: the refusal does not name ${access}: ${text}`);
          }
        }
      }
    }
    expect(wrong).toEqual([]);
  });
});
