import { createHash } from "node:crypto";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DIALECTS, useTestDatabase } from "../../db/test-support/test-databases.js";
import { createOwner } from "../../serve/create-owner.js";
import { type RunningServer, startServer } from "../../serve/start-server.js";
import { createAgentRepository } from "../../store/agent-repository.js";
import { createClusterRepository } from "../../store/cluster-repository.js";
import { storeDb } from "../../store/store-schema.js";
import { apiRoutes } from "./api-routes.js";

// The agent routes over real HTTP with the server's scan runner behind them: registering and
// revoking agents, agent tokens, claiming the scans queued for an agent cluster, and what the
// server does with results that are for another cluster, malformed, or sent twice.
const DIGEST = `sha256:${"a".repeat(64)}`;

function resultFor(clusterId: string, overrides: Record<string, unknown> = {}) {
  const container = {
    clusterId,
    namespace: "shop",
    pod: "web-7d4b9c8f5-x2k9p",
    workload: { kind: "Deployment", name: "web", namespace: "shop", apiVersion: "apps/v1" },
    containerName: "app",
    containerType: "container",
    image: "registry.example/web:1",
    imageId: `registry.example/web@${DIGEST}`,
    digest: DIGEST,
    pullReference: `registry.example/web@${DIGEST}`,
    startedAt: "2024-06-01T08:00:00.000Z",
    pullSecrets: [],
  };
  return {
    clusterId,
    status: "complete",
    startedAt: "2024-06-03T10:00:00.000Z",
    finishedAt: "2024-06-03T10:00:05.000Z",
    discovery: {
      status: "complete",
      containers: [container],
      skipped: [],
      failures: [],
      issues: [],
      stats: { namespaces: 1, pods: 1, containers: 1, skipped: 0 },
    },
    images: [],
    failures: [],
    issues: [],
    summary: {
      clusterId,
      status: "complete",
      namespaces: 1,
      pods: 1,
      containers: 1,
      skippedContainers: 0,
      uniqueImages: 1,
      scanned: 0,
      failed: 0,
      vulnerabilities: 0,
    },
    ...overrides,
  };
}

describe.each(DIALECTS)("agent routes on %s", (dialect) => {
  const database = useTestDatabase(dialect);
  let server: RunningServer;
  let warnings: { msg: string; [key: string]: unknown }[] = [];
  const logger = pino({ level: "warn" }, { write: (line: string) => void warnings.push(JSON.parse(line)) });

  // the admin routes (registering agents, queueing scans) are called as an owner
  let ownerToken = "";
  beforeEach(async () => {
    warnings = [];
    server = await start();
    const owner = await createOwner(database.current, {
      email: "owner@example.test",
      password: "a long enough password",
      tokenName: "agent-routes test",
    });
    ownerToken = owner.token!;
  });

  const start = (scans: { queue?: false | Record<string, never>; timeLimitMs?: number } = {}) =>
    startServer({
      database: database.current,
      port: 0,
      host: "127.0.0.1",
      version: "9.9.9",
      logger,
      routes: (db, services) => apiRoutes({ database: db, ...services }),
      scans: {
        enabled: true,
        // the in-process runner on both databases (its recovery is tested here); vigil agent's
        // test runs the queue mode on PostgreSQL
        queue: false,
        registerCurrentContext: false,
        scheduler: { timers: { setTimeout: () => 0, clearTimeout: () => {} } },
        advisoryUpdate: { enabled: false, sync: async () => ({ sources: [] }) },
        ...scans,
      },
    });

  afterEach(async () => {
    await server.close();
  });

  const http = async (
    path: string,
    init: { method?: string; json?: unknown; token?: string; body?: string } = {},
  ) => {
    const hasBody = init.json !== undefined || init.body !== undefined;
    return fetch(`${server.url}${path}`, {
      method: init.method ?? (hasBody ? "POST" : "GET"),
      headers: {
        ...(hasBody ? { "content-type": "application/json" } : {}),
        // no token given: the owner's; an empty one: anonymous
        ...((init.token ?? ownerToken) ? { authorization: `Bearer ${init.token ?? ownerToken}` } : {}),
      },
      ...(hasBody ? { body: init.body ?? JSON.stringify(init.json) } : {}),
    });
  };
  const register = async (cluster: string, json: Record<string, unknown> = { name: "agent" }) => {
    const response = await http(`/api/v1/clusters/${cluster}/agents`, { json });
    expect(response.status).toBe(201);
    return (await response.json()) as { agent: { id: string; clusterId: string }; token: string };
  };
  const queueScan = async (cluster: string, namespaces: string[] = []) => {
    const response = await http("/api/v1/scans", { json: { cluster, namespaces } });
    expect(response.status).toBe(202);
    return (await response.json()) as { id: string; status: string };
  };
  const claim = (token: string) => http("/api/v1/agent/scans/claim", { method: "POST", token });
  const scanOf = async (id: string) =>
    (await (await http(`/api/v1/scans/${id}`)).json()) as { status: string };
  const workloadRows = () =>
    storeDb(database.current.db).selectFrom("workload_containers").selectAll().execute();

  it("registers an agent and its agent cluster, shows the token once and stores only its SHA-256", async () => {
    const first = await register("edge", { name: "edge-agent", mode: "discover", namespaces: ["shop"] });
    expect(first.token).toMatch(/^vigil_agt_[A-Za-z0-9_-]{43}$/);
    expect(first.agent).toMatchObject({
      clusterId: "edge",
      name: "edge-agent",
      mode: "discover",
      namespaces: ["shop"],
    });
    expect(await createClusterRepository(database.current.db).get("edge")).toMatchObject({
      connectionKind: "agent",
      name: "edge",
    });
    const second = await register("edge");
    expect(second.token).not.toBe(first.token);

    const rows = await storeDb(database.current.db)
      .selectFrom("agents")
      .selectAll()
      .orderBy("created_at")
      .execute();
    expect(rows.map((r) => r.token_hash).sort()).toEqual(
      [first.token, second.token].map((t) => createHash("sha256").update(t).digest("hex")).sort(),
    );
    expect(JSON.stringify(rows)).not.toContain(first.token.slice("vigil_agt_".length));

    const listed = await http("/api/v1/clusters/edge/agents");
    expect(listed.status).toBe(200);
    const text = await listed.text();
    expect(text).not.toContain(first.token);
    expect(text).not.toContain("tokenHash");
    expect((JSON.parse(text) as { items: unknown[] }).items).toHaveLength(2);
  });

  it("refuses to register bad input, and an agent for a cluster reached through a kubeconfig", async () => {
    await createClusterRepository(database.current.db).upsert({
      id: "prod",
      name: "prod",
      connectionKind: "kubeconfig",
      kubeconfigContext: "prod",
      createdAt: "2024-06-01T00:00:00.000Z",
    });
    const kube = await http("/api/v1/clusters/prod/agents", { json: { name: "a" } });
    expect(kube.status).toBe(409);
    const mode = await http("/api/v1/clusters/edge/agents", { json: { name: "a", mode: "push" } });
    expect(mode.status).toBe(400);
    expect(await mode.json()).toMatchObject({ error: { details: { field: "mode" } } });
    const id = await http("/api/v1/clusters/Not%20An%20Id/agents", { json: { name: "a" } });
    expect(id.status).toBe(400);
    expect((await http("/api/v1/clusters/nowhere/agents")).status).toBe(404);
  });

  it("authenticates its token, records when it was seen, and refuses it from the request after revocation", async () => {
    const { agent, token } = await register("edge", { name: "a", namespaces: ["shop"] });
    const config = await http("/api/v1/agent/config", { token });
    expect(config.status).toBe(200);
    expect(await config.json()).toEqual({
      agentId: agent.id,
      clusterId: "edge",
      mode: "scan",
      namespaces: ["shop"],
    });
    const agents = createAgentRepository(database.current.db);
    for (let i = 0; i < 100 && !(await agents.get(agent.id))?.lastSeenAt; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect((await agents.get(agent.id))?.lastSeenAt).toBeDefined();

    // an unknown token of the right shape, a malformed one, and none at all
    expect((await http("/api/v1/agent/config", { token: `vigil_agt_${"x".repeat(43)}` })).status).toBe(401);
    expect((await http("/api/v1/agent/config", { token: "vigil_agt_short" })).status).toBe(401);
    expect((await http("/api/v1/agent/config", { token: "" })).status).toBe(401);

    const revoked = await http(`/api/v1/agents/${agent.id}`, { method: "DELETE" });
    expect(revoked.status).toBe(200);
    expect(await revoked.json()).toMatchObject({ id: agent.id, revokedAt: expect.any(String) });
    expect((await http("/api/v1/agent/config", { token })).status).toBe(401);
    expect((await claim(token)).status).toBe(401);
    expect((await http("/api/v1/agents/nobody", { method: "DELETE" })).status).toBe(404);
  });

  it("leaves an agent cluster's scans queued for its agent, which claims them, again after losing one", async () => {
    const { token } = await register("edge", { name: "a", namespaces: ["shop", "batch"] });
    expect((await claim(token)).status).toBe(204);
    const queued = await queueScan("edge");
    await server.scans!.runner?.idle();
    expect((await scanOf(queued.id)).status).toBe("queued");
    // a second start while one waits is the same scan
    expect((await queueScan("edge")).id).toBe(queued.id);

    const claimed = await claim(token);
    expect(claimed.status).toBe(200);
    const body = (await claimed.json()) as {
      scan: { id: string; status: string; scope: unknown };
      mode: string;
    };
    expect(body).toMatchObject({ mode: "scan", scan: { id: queued.id, status: "running" } });
    // the scan named no namespace: the agent covers its own
    expect(body.scan.scope).toEqual({ namespaces: ["shop", "batch"] });
    // an agent asking again (it restarted and lost the scan) gets it again
    expect(((await (await claim(token)).json()) as { scan: { id: string } }).scan.id).toBe(queued.id);

    // a server restart leaves the claimed scan to the agent: not interrupted, not run here
    await server.close();
    server = await start();
    expect(server.scans?.runner ? await server.scans.runner.recovered : undefined).toMatchObject({
      interrupted: [],
      adopted: [],
    });
    expect((await scanOf(queued.id)).status).toBe("running");
    expect(((await (await claim(token)).json()) as { scan: { id: string } }).scan.id).toBe(queued.id);

    const sent = await http(`/api/v1/agent/scans/${queued.id}/result`, { json: resultFor("edge"), token });
    expect(sent.status).toBe(200);
    expect((await claim(token)).status).toBe(204);
  });

  it.each(
    // the queue runs on PostgreSQL only
    dialect === "postgres"
      ? [
          ["the in-process runner", false as const],
          ["the queue", {}],
        ]
      : [["the in-process runner", false as const]],
  )(
    "with %s, fails a claimed scan its agent never delivered once past the time limit, and queues anew",
    async (_, queue) => {
      await server.close();
      server = await start({ queue, timeLimitMs: 50 });
      const { token } = await register("edge", { name: "a" });
      const first = await queueScan("edge");
      expect(((await (await claim(token)).json()) as { scan: { id: string } }).scan.id).toBe(first.id);
      // within the limit, starting again is the same claimed scan
      expect((await queueScan("edge")).id).toBe(first.id);
      await new Promise((resolve) => setTimeout(resolve, 120));
      const again = await http("/api/v1/scans", { json: { cluster: "edge", namespaces: [] } });
      expect(again.status, JSON.stringify(warnings)).toBe(202);
      const second = (await again.json()) as { id: string; status: string };
      expect(second.id).not.toBe(first.id);
      expect(second.status).toBe("queued");
      const failed = (await (await http(`/api/v1/scans/${first.id}`)).json()) as {
        status: string;
        error: string;
      };
      expect(failed).toMatchObject({ status: "failed" });
      expect(failed.error).toMatch(/claimed the scan but delivered nothing within the scan time limit/);
      // the late result of the failed scan is refused; the new one is what the agent claims
      const late = await http(`/api/v1/agent/scans/${first.id}/result`, { json: resultFor("edge"), token });
      expect(((await late.json()) as { stored: boolean }).stored).toBe(false);
      expect(((await (await claim(token)).json()) as { scan: { id: string } }).scan.id).toBe(second.id);
    },
  );

  it("refuses a scan or a result of another cluster with 403, logs it, and stores nothing", async () => {
    const a = await register("edge-a");
    await register("edge-b");
    const scanB = await queueScan("edge-b");
    const scanA = await queueScan("edge-a");
    expect((await claim(a.token)).status).toBe(200);

    const foreignScan = await http(`/api/v1/agent/scans/${scanB.id}/result`, {
      json: resultFor("edge-b"),
      token: a.token,
    });
    expect(foreignScan.status).toBe(403);
    const foreignBody = await http(`/api/v1/agent/scans/${scanA.id}/result`, {
      json: resultFor("edge-b"),
      token: a.token,
    });
    expect(foreignBody.status).toBe(403);
    expect(await foreignBody.json()).toMatchObject({
      error: { details: { agentCluster: "edge-a", requestedCluster: "edge-b" } },
    });
    const foreignDiscovery = await http(`/api/v1/agent/scans/${scanA.id}/discovery`, {
      json: { clusterId: "edge-b", startedAt: "2024-06-03T10:00:00.000Z", discovery: {}, credentials: [] },
      token: a.token,
    });
    expect(foreignDiscovery.status).toBe(403);

    const refusals = warnings.filter((w) => w.msg.startsWith("an agent sent for another cluster"));
    expect(refusals).toHaveLength(3);
    expect(refusals[0]).toMatchObject({
      agentId: a.agent.id,
      agentCluster: "edge-a",
      requestedCluster: "edge-b",
    });
    expect((await scanOf(scanA.id)).status).toBe("running");
    expect((await scanOf(scanB.id)).status).toBe("queued");
    expect(await workloadRows()).toEqual([]);
  });

  it("refuses a malformed result with 400 naming the field, and takes the corrected one", async () => {
    const { token } = await register("edge");
    const scan = await queueScan("edge");
    await claim(token);
    const notJson = await http(`/api/v1/agent/scans/${scan.id}/result`, { body: "{", token });
    expect(notJson.status).toBe(400);
    const broken = resultFor("edge");
    const brokenContainer = { ...broken.discovery.containers[0], digest: 42 };
    const response = await http(`/api/v1/agent/scans/${scan.id}/result`, {
      json: {
        ...broken,
        startedAt: "yesterday",
        discovery: { ...broken.discovery, containers: [brokenContainer] },
      },
      token,
    });
    expect(response.status).toBe(400);
    const error = (
      (await response.json()) as { error: { message: string; details: { problems: { field: string }[] } } }
    ).error;
    expect(error.details.problems.map((p) => p.field)).toEqual([
      "startedAt",
      "discovery.containers[0].digest",
    ]);
    expect(error.message).toContain("discovery.containers[0].digest: expected a non-empty string");
    expect((await scanOf(scan.id)).status).toBe("running");

    // a discovery's credentials are checked too, and never echoed back
    const { discovery } = resultFor("edge");
    const badCredentials = await http(`/api/v1/agent/scans/${scan.id}/discovery`, {
      json: {
        clusterId: "edge",
        startedAt: "2024-06-03T10:00:00.000Z",
        discovery,
        credentials: [
          {
            digest: DIGEST,
            reference: "registry.example/web@x",
            registry: "registry.example",
            credentials: { username: "s3cret-user", password: 42 },
          },
        ],
      },
      token,
    });
    expect(badCredentials.status).toBe(400);
    const badText = await badCredentials.text();
    expect(badText).toContain("credentials[0].credentials.password: expected a non-empty string");
    expect(badText).not.toContain("s3cret-user");

    const fixed = await http(`/api/v1/agent/scans/${scan.id}/result`, { json: resultFor("edge"), token });
    expect(fixed.status).toBe(200);
  });

  it("stores a result once per scan: a result sent again after a lost answer changes nothing", async () => {
    const { token } = await register("edge");
    const scan = await queueScan("edge");
    await claim(token);
    const first = await http(`/api/v1/agent/scans/${scan.id}/result`, { json: resultFor("edge"), token });
    expect(first.status).toBe(200);
    const taken = (await first.json()) as { stored: boolean; scan: { status: string; finishedAt: string } };
    expect(taken).toMatchObject({ stored: true, scan: { status: "complete" } });
    expect(await workloadRows()).toHaveLength(1);

    const again = await http(`/api/v1/agent/scans/${scan.id}/result`, {
      json: resultFor("edge", { finishedAt: "2024-06-03T11:00:00.000Z" }),
      token,
    });
    expect(again.status).toBe(200);
    const second = (await again.json()) as { stored: boolean; scan: { finishedAt: string } };
    expect(second.stored).toBe(false);
    expect(second.scan.finishedAt).toBe(taken.scan.finishedAt);
    expect(await workloadRows()).toHaveLength(1);
  });
});
