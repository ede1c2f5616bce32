import { connect } from "node:net";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { startServer } from "../../serve/start-server.js";
import { StoreConflictError } from "../../store/store-errors.js";
import { createHttpApp } from "../create-http-app.js";
import { createHttpMetrics } from "../http-metrics.js";
import { ApiError } from "../route-definition.js";
import { apiRoutes, asApiError } from "./api-routes.js";
import { expectJson, useApiServer } from "./test-support/api-test-server.js";

/**
 * Every resource route and the least role it needs (viewing and triage: developer;
 * configuration, and starting or cancelling scans: maintainer). The sign-in, user and audit
 * routes are checked with the rest in `authorization-table.test.ts`.
 */
const EXPECTED: readonly (readonly [string, string, string])[] = [
  ["get", "/api/v1/clusters", "developer"],
  ["post", "/api/v1/clusters", "maintainer"],
  ["get", "/api/v1/clusters/{id}", "developer"],
  ["get", "/api/v1/clusters/{id}/workloads", "developer"],
  ["get", "/api/v1/policies", "developer"],
  ["post", "/api/v1/policies", "maintainer"],
  ["get", "/api/v1/policies/{id}", "developer"],
  ["put", "/api/v1/policies/{id}", "maintainer"],
  ["patch", "/api/v1/policies/{id}", "maintainer"],
  ["delete", "/api/v1/policies/{id}", "maintainer"],
  ["get", "/api/v1/scans", "developer"],
  ["post", "/api/v1/scans", "maintainer"],
  ["get", "/api/v1/scans/{id}", "developer"],
  ["post", "/api/v1/scans/{id}/cancel", "maintainer"],
  ["get", "/api/v1/findings", "developer"],
  ["get", "/api/v1/findings/summary", "developer"],
  ["get", "/api/v1/findings/trend", "developer"],
  ["get", "/api/v1/findings/export", "developer"],
  ["post", "/api/v1/findings/state", "developer"],
  ["get", "/api/v1/findings/{id}", "developer"],
  ["post", "/api/v1/findings/{id}/state", "developer"],
  ["post", "/api/v1/projects/{project}/development-findings", "developer"],
  ["post", "/api/v1/clusters/{id}/agents", "maintainer"],
  ["get", "/api/v1/clusters/{id}/agents", "maintainer"],
  ["delete", "/api/v1/agents/{id}", "maintainer"],
  ["get", "/api/v1/agent/config", "agent"],
  ["post", "/api/v1/agent/scans/claim", "agent"],
  ["post", "/api/v1/agent/scans/{id}/result", "agent"],
  ["post", "/api/v1/agent/scans/{id}/discovery", "agent"],
  ["get", "/api/v1/webhooks", "maintainer"],
  ["post", "/api/v1/webhooks", "maintainer"],
  ["get", "/api/v1/webhooks/{id}", "maintainer"],
  ["put", "/api/v1/webhooks/{id}", "maintainer"],
  ["delete", "/api/v1/webhooks/{id}", "maintainer"],
  ["post", "/api/v1/webhooks/{id}/test", "maintainer"],
  ["get", "/api/v1/webhooks/{id}/deliveries", "maintainer"],
];

interface Operation {
  "x-vigil-access": string;
  operationId: string;
  parameters?: { name: string; in: string; required: boolean }[];
  requestBody?: { content: Record<string, { schema: object }> };
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
}

describe("the API routes' OpenAPI document", () => {
  const api = useApiServer("sqlite");

  it("lists every resource route with its access, parameters, bodies and responses", async () => {
    const doc = await expectJson<{ paths: Record<string, Record<string, Operation>> }>(
      await api.request("/api/v1/openapi.json"),
      200,
    );
    const listed = Object.entries(doc.paths)
      .filter(
        ([path]) =>
          path.startsWith("/api/v1/") &&
          !["/api/v1/health", "/api/v1/openapi.json", "/api/v1/audit-events"].includes(path) &&
          !/^\/api\/v1\/(auth|users)\b/.test(path),
      )
      .flatMap(([path, operations]) =>
        Object.entries(operations).map(([method, op]) => [method, path, op["x-vigil-access"]] as const),
      );
    expect(listed.sort()).toEqual([...EXPECTED].sort());

    const operationIds = Object.values(doc.paths).flatMap((ops) =>
      Object.values(ops).map((op) => op.operationId),
    );
    expect(new Set(operationIds).size).toBe(operationIds.length);
    for (const [method, path] of EXPECTED) {
      const op = doc.paths[path]![method]!;
      for (const name of path.match(/\{(\w+)\}/g) ?? []) {
        expect(op.parameters, `${method} ${path}`).toContainEqual(
          expect.objectContaining({ name: name.slice(1, -1), in: "path", required: true }),
        );
      }
      const success = Object.keys(op.responses).find((s) => s.startsWith("2"));
      expect(success, `${method} ${path}`).toBeDefined();
    }
    const findings = doc.paths["/api/v1/findings"]!.get!;
    expect(findings.parameters!.map((p) => p.name)).toEqual(
      expect.arrayContaining(["report_type", "cluster", "severity", "state", "q", "sort", "cursor", "limit"]),
    );
    expect(Object.keys(doc.paths["/api/v1/policies"]!.post!.requestBody!.content)).toEqual(
      expect.arrayContaining(["application/yaml", "application/json"]),
    );
    expect(doc.paths["/api/v1/findings/{id}/state"]!.post!.responses["422"]).toBeDefined();
  });

  it("serves the static finding paths before the finding id", async () => {
    expect((await api.request("/api/v1/findings/summary")).status).toBe(200);
    expect((await api.request("/api/v1/findings/trend")).status).toBe(200);
    expect((await api.request("/api/v1/findings/export?format=csv")).status).toBe(200);
  });

  it("refuses a body past the route's limit with 413, with or without Content-Length, and nothing is stored", async () => {
    const padding = "x".repeat(1024 * 1024 + 1);
    const policy = JSON.stringify({
      name: "big",
      cadence: "0 3 * * *",
      clusters: ["prod"],
      description: padding,
    });
    // over a socket: the declared length alone is refused, before the body is sent
    const declared = await answerToDeclaredLength(api.url, "/api/v1/policies", Buffer.byteLength(policy));
    expect(declared).toMatch(/^HTTP\/1\.1 413 /);
    expect(declared).toMatch(/larger than 1048576 bytes, the most POST \/api\/v1\/policies takes/);
    // streamed without a length (the app itself, no socket): cut off as it arrives
    const app = createHttpApp({
      routes: apiRoutes({ database: api.database }),
      version: "0.0.1",
      metrics: createHttpMetrics(),
    });
    const chunks = [policy.slice(0, 600_000), policy.slice(600_000)];
    const streamed = await app.fetch(
      new Request(`${api.url}/api/v1/policies`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: new ReadableStream({
          pull(controller) {
            const next = chunks.shift();
            if (next === undefined) controller.close();
            else controller.enqueue(new TextEncoder().encode(next));
          },
        }),
        duplex: "half",
      } as RequestInit),
    );
    expect(streamed.status).toBe(413);
    expect(
      (await expectJson<{ items: unknown[] }>(await api.request("/api/v1/policies"), 200)).items,
    ).toEqual([]);
    // a container scanning report may be far larger: it gets past the limit (and is then read)
    const report = await api.request("/api/v1/projects/shop/development-findings?branch=main", {
      method: "POST",
      json: { version: "15.0.7", vulnerabilities: [], padding },
    });
    expect(report.status).not.toBe(413);
  });

  it("plugs into startServer's routes option; without a scan service starting a scan answers 503", async () => {
    await api.seedClusters("prod");
    const server = await startServer({
      database: api.database,
      port: 0,
      host: "127.0.0.1",
      version: "0.0.1",
      logger: pino({ level: "silent" }),
      routes: (database, services) => apiRoutes({ database, scans: services.scans }),
    });
    try {
      const owner = { Authorization: `Bearer ${api.users.owner.token}` };
      const started = await fetch(`${server.url}/api/v1/scans`, {
        method: "POST",
        headers: { "Content-Type": "application/json", ...owner },
        body: JSON.stringify({ cluster: "prod" }),
      });
      expect((await expectJson<{ error: { message: string } }>(started, 503)).error.message).toMatch(
        /does not run scans/,
      );
      expect((await fetch(`${server.url}/api/v1/clusters/prod`, { headers: owner })).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it("turns store conflicts into 409 and leaves other errors alone", () => {
    const conflict = asApiError(new StoreConflictError("taken"));
    expect(conflict).toBeInstanceOf(ApiError);
    expect((conflict as ApiError).status).toBe(409);
    const other = new Error("boom");
    expect(asApiError(other)).toBe(other);
  });
});

/** The server's answer to a POST whose headers declare `length` bytes, of which it is sent none. */
function answerToDeclaredLength(base: string, path: string, length: number): Promise<string> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    let answer = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      answer += chunk;
      if (answer.includes("\r\n\r\n{") && answer.trimEnd().endsWith("}")) {
        socket.destroy();
        resolve(answer);
      }
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(answer));
    socket.write(
      `POST ${path} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n{`,
    );
  });
}
