import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import {
  apiRoutes,
  createOwner,
  createScanStores,
  type RunningServer,
  startServer,
  storeDb,
} from "@vigil/server";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testEnv } from "../../../scripts/test-env/env.js";
import { DIALECTS, useTestDatabase } from "../../server/src/db/test-support/test-databases.js";
import {
  billingDeploymentWithPullSecret,
  digestOf,
  MUSL_CVE,
  OPENSSL_CVE,
  shopDeployment,
  startTestCluster,
  type TestCluster,
  writeAdvisories,
} from "../../server/src/scans/test-support/cluster-fixtures.js";

// `vigil agent` as it runs in a cluster: the built bin, spawned, against the test Kubernetes
// API server (with a kubeconfig standing in for the pod's service account) and the real
// registries, reporting to a real server (startServer with the routes and authenticator
// `vigil serve` wires) on SQLite and PostgreSQL.
const main = join(import.meta.dirname, "../dist/main.js");
const env = testEnv();
const CLUSTER = "edge";

/** What alpine-3.10 in shop/web has of the two advisories (openssl and musl, by binary package). */
const SHOP_FINDINGS = [
  { namespace: "shop", workload_name: "web", advisory_id: "CVE-2099-0001", package_name: "libcrypto1.1" },
  { namespace: "shop", workload_name: "web", advisory_id: "CVE-2099-0001", package_name: "libssl1.1" },
  { namespace: "shop", workload_name: "web", advisory_id: "CVE-2099-0002", package_name: "musl" },
  { namespace: "shop", workload_name: "web", advisory_id: "CVE-2099-0002", package_name: "musl-utils" },
];

interface Agent {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  stderr(): string;
}

/** A proxy in front of the server that can fail or lose result deliveries (the server "down"). */
interface FlakyProxy {
  readonly url: string;
  /** `up`: forward; `down`: drop every connection; `lose-answers`: forward deliveries, drop their answers. */
  mode: "up" | "down" | "lose-answers";
  /** Deliveries (`POST …/result|discovery`) seen, by what became of them. */
  readonly deliveries: { dropped: number; answerLost: number; forwarded: number };
  close(): Promise<void>;
}

async function startFlakyProxy(target: string): Promise<FlakyProxy> {
  const upstream = new URL(target);
  const deliveries = { dropped: 0, answerLost: 0, forwarded: 0 };
  const proxy: { mode: FlakyProxy["mode"] } = { mode: "up" };
  const server: Server = createServer((req, res) => {
    const delivery = req.method === "POST" && /\/(result|discovery)$/.test(req.url ?? "");
    if (proxy.mode === "down") {
      if (delivery) deliveries.dropped++;
      req.socket.destroy();
      return;
    }
    const lose = proxy.mode === "lose-answers" && delivery;
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        if (lose) {
          answer.resume();
          answer.on("end", () => {
            deliveries.answerLost++;
            req.socket.destroy();
          });
          return;
        }
        if (delivery) deliveries.forwarded++;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on("error", () => req.socket.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get mode() {
      return proxy.mode;
    },
    set mode(next) {
      proxy.mode = next;
    },
    deliveries,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  ms = 60_000,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.each(DIALECTS)("vigil agent against vigil serve on %s", (dialect) => {
  const database = useTestDatabase(dialect);
  let cluster: TestCluster;
  let server: RunningServer;
  let logLines: { level: number; msg: string; [key: string]: unknown }[];
  const agents: Agent[] = [];

  beforeEach(async () => {
    cluster = await startTestCluster({
      tmpPrefix: "vigil-agent-",
      context: "edge-sa",
      objects: [...shopDeployment(), ...billingDeploymentWithPullSecret()],
    });
    logLines = [];
    const logger = pino({ level: "info" }, { write: (line: string) => void logLines.push(JSON.parse(line)) });
    await writeAdvisories(createScanStores(database.current.db).advisories, [OPENSSL_CVE, MUSL_CVE]);
    server = await startServer({
      database: database.current,
      port: 0,
      host: "127.0.0.1",
      version: "9.9.9",
      logger,
      routes: (db, services) => apiRoutes({ database: db, ...services }),
      scans: {
        enabled: true,
        registerCurrentContext: false,
        cacheDir: join(cluster.dir, "server-cache"),
        registry: { caFile: env.registryCaFile },
        scheduler: { timers: { setTimeout: () => 0, clearTimeout: () => {} } },
        advisoryUpdate: { sync: async () => ({ sources: [] }) },
      },
    });
    // registering agents and queueing scans is an owner's (a maintainer's) work
    const owner = await createOwner(database.current, {
      email: "owner@example.test",
      password: "a long enough password",
      tokenName: "agent test",
    });
    ownerToken = owner.token!;
  });

  let ownerToken = "";

  afterEach(async () => {
    for (const agent of agents.splice(0)) {
      if (agent.child.exitCode === null) agent.child.kill("SIGKILL");
      await agent.exited;
    }
    await server.close();
    await cluster.close();
  });

  const http = async (path: string, init: { method?: string; json?: unknown; token?: string } = {}) =>
    fetch(`${server.url}${path}`, {
      method: init.method ?? (init.json === undefined ? "GET" : "POST"),
      headers: {
        ...(init.json === undefined ? {} : { "content-type": "application/json" }),
        // no token given: the owner's
        authorization: `Bearer ${init.token ?? ownerToken}`,
      },
      ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
    });

  const registerAgent = async (mode: "scan" | "discover", namespaces: string[] = []) => {
    const response = await http(`/api/v1/clusters/${CLUSTER}/agents`, {
      json: { name: `agent-${mode}`, mode, namespaces },
    });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { agent: { id: string }; token: string };
    const tokenFile = join(cluster.dir, `token-${body.agent.id}`);
    writeFileSync(tokenFile, `${body.token}\n`, { mode: 0o600 });
    return { ...body, tokenFile };
  };

  const startScan = async (namespaces: string[] = []) => {
    const response = await http("/api/v1/scans", { json: { cluster: CLUSTER, namespaces } });
    expect(response.status).toBe(202);
    return ((await response.json()) as { id: string }).id;
  };

  const scanStatus = async (id: string) =>
    (await (await http(`/api/v1/scans/${id}`)).json()) as {
      status: string;
      images?: { reference: string; status: string }[];
    };

  const findingsOf = () =>
    storeDb(database.current.db)
      .selectFrom("findings")
      .select(["namespace", "workload_name", "advisory_id", "package_name"])
      .where("cluster_id", "=", CLUSTER)
      .orderBy("namespace")
      .orderBy("advisory_id")
      .orderBy("package_name")
      .execute();

  const spawnAgent = (
    tokenFile: string,
    serverUrl = server.url,
    spoolDir = join(cluster.dir, "spool"),
  ): Agent => {
    const child = spawn(
      process.execPath,
      [
        main,
        "agent",
        "--server",
        serverUrl,
        "--token-file",
        tokenFile,
        "--kubeconfig",
        cluster.kubeconfig,
        "--spool-dir",
        spoolDir,
        "--poll-interval",
        "0.1",
        "--max-backoff",
        "0.3",
        "--ca-file",
        env.registryCaFile,
        "--no-cache",
      ],
      { cwd: cluster.dir, env: { ...process.env, HOME: cluster.dir, KUBECONFIG: "", VIGIL_AGENT_TOKEN: "" } },
    );
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.stdout.resume();
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    const agent = { child, exited, stderr: () => stderr };
    agents.push(agent);
    return agent;
  };

  it("claims a queued scan, scans the cluster with its own access and the server stores the findings; SIGTERM stops it", async () => {
    const { tokenFile } = await registerAgent("scan");
    const scanId = await startScan(["shop"]);
    const agent = spawnAgent(tokenFile);
    const done = await waitFor("the agent's scan to finish", async () => {
      const scan = await scanStatus(scanId);
      return scan.status === "queued" || scan.status === "running" ? undefined : scan;
    });
    expect(done.status, agent.stderr()).toBe("complete");
    expect(done.images).toEqual([
      expect.objectContaining({
        reference: `${env.registry}/vigil/alpine-3.10@${digestOf("alpine-3.10")}`,
        status: "complete",
      }),
    ]);
    // matched by the server with its advisories (the agent has none)
    expect(await findingsOf()).toEqual(SHOP_FINDINGS);
    await waitFor(
      "the spool to empty",
      () => readdirSync(join(cluster.dir, "spool")).filter((f) => f.endsWith(".json")).length === 0,
    );
    agent.child.kill("SIGTERM");
    expect(await agent.exited).toBe(0);
    expect(agent.stderr()).toMatch(/claimed scan .* \(scan\)/);
    expect(agent.stderr()).toMatch(/vigil agent: stopped/);
  }, 120_000);

  it("is refused from the request after its token is revoked, and stops saying to create a new token", async () => {
    const { tokenFile, token, agent: registered } = await registerAgent("scan");
    const agent = spawnAgent(tokenFile);
    await waitFor("the agent to connect", () =>
      agent.stderr().includes(`agent ${registered.id} for cluster ${CLUSTER}`),
    );
    const revoked = await http(`/api/v1/agents/${registered.id}`, { method: "DELETE" });
    expect(revoked.status).toBe(200);
    // refused at once: no cache outlives the revocation
    expect((await http("/api/v1/agent/config", { token })).status).toBe(401);
    expect(await agent.exited).toBe(2);
    expect(agent.stderr()).toMatch(/refused this agent's token .*revoked/);
    expect(agent.stderr()).toMatch(/Create a new token/);
  }, 60_000);

  it("keeps a result on disk while the server is unreachable and delivers it once when it is back", async () => {
    const proxy = await startFlakyProxy(server.url);
    try {
      proxy.mode = "down";
      const { tokenFile } = await registerAgent("scan");
      const scanId = await startScan(["shop"]);
      const spoolDir = join(cluster.dir, "spool");
      const agent = spawnAgent(tokenFile, proxy.url, spoolDir);
      // down from the start: the agent retries with backoff and cannot even claim
      await waitFor("the agent to back off", () => (agent.stderr().match(/retrying in/g)?.length ?? 0) >= 2);
      expect((await scanStatus(scanId)).status).toBe("queued");

      // up for the claim, then down again while the scan runs: the result waits in the spool
      proxy.mode = "up";
      await waitFor("the claim", async () =>
        (await scanStatus(scanId)).status === "running" ? true : undefined,
      );
      proxy.mode = "down";
      await waitFor("the result to be spooled", () => agent.stderr().includes("result spooled"));
      await waitFor("failed deliveries", () => proxy.deliveries.dropped >= 2);
      expect(readdirSync(spoolDir).filter((f) => f.endsWith(".json"))).toHaveLength(1);
      expect((await scanStatus(scanId)).status).toBe("running");

      // back, but the answer to the first delivery is lost: the agent sends it again
      proxy.mode = "lose-answers";
      await waitFor("a delivery whose answer was lost", () => proxy.deliveries.answerLost >= 1);
      proxy.mode = "up";
      await waitFor(
        "the spool to empty",
        () => readdirSync(spoolDir).filter((f) => f.endsWith(".json")).length === 0,
      );
      expect(proxy.deliveries.forwarded).toBeGreaterThanOrEqual(1);
      expect((await scanStatus(scanId)).status).toBe("complete");
      expect(readdirSync(join(spoolDir, "rejected"))).toEqual([]);

      // stored exactly once: each finding detected once, in one scan
      expect(await findingsOf()).toEqual(SHOP_FINDINGS);
      const history = await storeDb(database.current.db)
        .selectFrom("finding_history")
        .select(["to_state", "scan_id"])
        .execute();
      expect(history).toHaveLength(SHOP_FINDINGS.length);
      expect(history.every((h) => h.to_state === "detected" && h.scan_id === scanId)).toBe(true);
      agent.child.kill("SIGTERM");
      expect(await agent.exited).toBe(0);
    } finally {
      await proxy.close();
    }
  }, 120_000);

  it("keeps a delivery the server refuses for good in rejected/ with the reason, and goes on", async () => {
    const { tokenFile } = await registerAgent("scan");
    const spoolDir = join(cluster.dir, "spool");
    // a result left from before, for a scan the server no longer has
    mkdirSync(spoolDir, { recursive: true });
    writeFileSync(
      join(spoolDir, "000000000000001-gone.json"),
      JSON.stringify({ kind: "result", scanId: "gone", body: { clusterId: CLUSTER } }),
    );
    const scanId = await startScan(["shop"]);
    const agent = spawnAgent(tokenFile, server.url, spoolDir);
    await waitFor("the refusal", () =>
      existsSync(join(spoolDir, "rejected", "000000000000001-gone.json.reason.txt")),
    );
    expect(readFileSync(join(spoolDir, "rejected", "000000000000001-gone.json.reason.txt"), "utf8")).toMatch(
      /^404 no scan with the id "gone"/,
    );
    expect(existsSync(join(spoolDir, "000000000000001-gone.json"))).toBe(false);
    // the refused one does not block the next
    await waitFor("the next scan", async () =>
      (await scanStatus(scanId)).status === "complete" ? true : undefined,
    );
    agent.child.kill("SIGTERM");
    expect(await agent.exited).toBe(0);
  }, 120_000);

  it("in discover mode ships what runs with the pull credentials, and the server scans centrally without keeping them", async () => {
    const { tokenFile } = await registerAgent("discover", ["billing"]);
    const scanId = await startScan();
    const agent = spawnAgent(tokenFile);
    const done = await waitFor("the central scan", async () => {
      const scan = await scanStatus(scanId);
      return scan.status === "queued" || scan.status === "running" ? undefined : scan;
    });
    // the image is behind basic auth that only the pod's pull secret unlocks: the server pulled it
    expect(done.status, agent.stderr()).toBe("complete");
    expect(done.images).toEqual([
      expect.objectContaining({
        reference: `${env.authRegistry}/vigil/alpine-3.11@${digestOf("alpine-3.11")}`,
        status: "complete",
      }),
    ]);
    expect(await findingsOf()).toEqual([
      {
        namespace: "billing",
        workload_name: "api",
        advisory_id: "CVE-2099-0001",
        package_name: "libcrypto1.1",
      },
      { namespace: "billing", workload_name: "api", advisory_id: "CVE-2099-0001", package_name: "libssl1.1" },
    ]);
    // the agent's namespaces scoped the scan that named none
    expect(agent.stderr()).toMatch(/claimed scan .* \(discover\)/);
    // the credentials are neither logged nor stored, nor spooled by the agent
    expect(JSON.stringify(logLines)).not.toContain(env.registryPassword);
    const rows = await storeDb(database.current.db).selectFrom("scans").selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(env.registryPassword);
    agent.child.kill("SIGTERM");
    expect(await agent.exited).toBe(0);
  }, 120_000);
});
