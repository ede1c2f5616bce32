import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createDatabase,
  createOwner,
  createScanStores,
  migrateToLatest,
  type VigilDatabase,
} from "@vigil/server";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testEnv } from "../../../scripts/test-env/env.js";
import {
  type RunningKubeApiServer,
  startKubeApiServer,
} from "../../../scripts/test-env/kube-api/kube-api-server.js";
import {
  MUSL_CVE,
  OPENSSL_CVE,
  shopDeployment,
  writeAdvisories,
} from "../../server/src/scans/test-support/cluster-fixtures.js";
import { servingUrl, startVigilProcess, type VigilProcess } from "./test-support/vigil-process.js";

// `vigil serve` and `vigil worker` as separate processes on the machine's PostgreSQL, sharing
// one scan queue: two servers (API and scheduler only) and two workers; the worker holding a
// scan is SIGKILLed while it pulls the image, and the scan is retried by the other and
// completes once; the leading server is SIGKILLed and the other takes the scheduler over.
const main = join(import.meta.dirname, "../dist/main.js");
const env = testEnv();
const POSTGRES = process.env.VIGIL_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const schema = `vigil_cli_worker_${process.pid}_${randomBytes(4).toString("hex")}`;
const url = (() => {
  const parsed = new URL(POSTGRES);
  parsed.searchParams.set("options", `-c search_path=${schema}`);
  return parsed.toString();
})();
const work = mkdtempSync(join(tmpdir(), "vigil-cli-worker-"));

const processes: VigilProcess[] = [];

function vigil(args: readonly string[]): VigilProcess {
  const running = startVigilProcess(args, {
    DATABASE_URL: url,
    HOME: work,
    KUBECONFIG: "",
    VIGIL_CACHE_DIR: join(work, "cache"),
  });
  processes.push(running);
  return running;
}

const hasLog = (p: VigilProcess, msg: string, fields: Record<string, unknown> = {}) => p.hasLog(msg, fields);

/**
 * A registry in front of the test registry that holds blob downloads while `closed`: a worker
 * that reaches the layers stays in the middle of its job until the test lets it go.
 */
async function gatedRegistry(): Promise<{
  host: string;
  held: () => number;
  open: () => void;
  server: Server;
}> {
  const [upstreamHost, upstreamPort] = env.registry.split(":");
  let closed = true;
  const waiting: (() => void)[] = [];
  let held = 0;
  const server = createServer((req, res) => {
    const forward = () => {
      const upstream = request(
        {
          host: upstreamHost,
          port: Number(upstreamPort),
          path: req.url,
          method: req.method,
          headers: req.headers,
        },
        (response) => {
          res.writeHead(response.statusCode ?? 502, response.headers);
          response.pipe(res);
        },
      );
      upstream.on("error", () => res.destroy());
      req.pipe(upstream);
    };
    if (closed && req.url?.includes("/blobs/")) {
      held++;
      waiting.push(forward);
    } else forward();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    held: () => held,
    open() {
      closed = false;
      for (const forward of waiting.splice(0)) forward();
    },
    server,
  };
}

async function admin(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

async function leaderGauge(serverUrl: string): Promise<number> {
  const text = await (await fetch(`${serverUrl}/metrics`)).text();
  return Number(/^vigil_scheduler_leader (\d+)$/m.exec(text)?.[1]);
}

describe("vigil serve and vigil worker on PostgreSQL", () => {
  let api: RunningKubeApiServer;
  let gate: Awaited<ReturnType<typeof gatedRegistry>>;
  let database: VigilDatabase;

  beforeAll(async () => {
    await admin(`create schema "${schema}"`);
    database = createDatabase({ url });
    await migrateToLatest(database.db);
    await writeAdvisories(createScanStores(database.db).advisories, [OPENSSL_CVE, MUSL_CVE]);
    gate = await gatedRegistry();
    api = await startKubeApiServer({
      objects: shopDeployment({ repository: `${gate.host}/vigil/alpine-3.10` }),
    });
    api.kubeconfig(join(work, "kubeconfig"), { context: "prod-eu" });
  });

  afterAll(async () => {
    for (const p of processes) if (p.child.exitCode === null) p.child.kill("SIGKILL");
    await Promise.all(processes.map((p) => p.exited));
    await database?.close();
    await api?.close();
    gate?.server.close();
    await admin(
      `drop schema if exists "${schema}" cascade; drop schema if exists "${schema}_pgboss" cascade`,
    );
    rmSync(work, { recursive: true, force: true });
  });

  it("refuses to start a worker without PostgreSQL", async () => {
    const child = spawn(process.execPath, [main, "worker"], {
      env: { ...process.env, DATABASE_URL: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    expect(await new Promise((resolve) => child.on("close", resolve))).toBe(2);
    expect(stderr).toContain("vigil worker needs PostgreSQL: set DATABASE_URL");
  });

  it("two servers and two workers share the queue; a worker killed mid-job loses nothing and resolves nothing; the scheduler moves when its leader dies", async () => {
    const queue = ["--job-expiry", "3", "--poll-interval", "0.5"];
    const serve = (name: string) =>
      vigil([
        "serve",
        "--port",
        "0",
        "--host",
        "127.0.0.1",
        "--data-dir",
        join(work, name),
        "--kubeconfig",
        join(work, "kubeconfig"),
        "--no-advisory-update",
        "--workers",
        "0",
        ...queue,
      ]);
    const first = serve("a");
    const firstUrl = await servingUrl(first);
    const second = serve("b");
    const secondUrl = await servingUrl(second);
    // the first server leads the scheduler; the second waits
    expect(hasLog(first, "became the leader")).toBe(true);
    expect(hasLog(second, "became the leader")).toBe(false);
    expect([await leaderGauge(firstUrl), await leaderGauge(secondUrl)]).toEqual([1, 0]);

    const workers = ["w1", "w2"].map((name) =>
      vigil(["worker", "--name", name, "--kubeconfig", join(work, "kubeconfig"), ...queue]),
    );
    for (const w of workers) await w.waitFor("start", () => w.stderr().includes("taking scan jobs"));

    // starting scans is a maintainer's: the test calls as the owner
    const { token } = await createOwner(database, {
      email: "owner@example.test",
      password: "a long enough password",
      tokenName: "worker test",
    });
    const asOwner = { Authorization: `Bearer ${token}` };
    const started = await fetch(`${secondUrl}/api/v1/scans`, {
      method: "POST",
      headers: { "content-type": "application/json", ...asOwner },
      body: JSON.stringify({ cluster: "prod-eu", namespaces: ["shop"] }),
    });
    expect(started.status).toBe(202);
    const scan = (await started.json()) as { id: string; status: string };
    expect(scan.status).toBe("queued");

    // the worker that took the job is pulling the image: kill it there
    await Promise.race(
      workers.map((w) => w.waitFor("job", () => hasLog(w, "scan job taken", { scanId: scan.id }))),
    );
    const holder = workers.find((w) => hasLog(w, "scan job taken", { scanId: scan.id }))!;
    const other = workers.find((w) => w !== holder)!;
    const deadline = Date.now() + 30_000;
    while (gate.held() === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 25));
    expect(gate.held()).toBeGreaterThan(0);
    holder.child.kill("SIGKILL");
    expect(await holder.exited).toBe(null);
    const stores = createScanStores(database.db);
    expect(await stores.scans.attemptState(scan.id)).toEqual({ status: "running", attempt: 1 });
    gate.open();

    // after the job's expiry the other worker takes the same scan over and completes it
    await other.waitFor("retry", () => hasLog(other, "scan finished", { scanId: scan.id }), 40_000);
    const done = (await (
      await fetch(`${firstUrl}/api/v1/scans/${scan.id}`, { headers: asOwner })
    ).json()) as {
      status: string;
    };
    expect(done.status).toBe("complete");
    expect(await stores.scans.attemptState(scan.id)).toEqual({ status: "complete", attempt: 2 });
    expect(hasLog(other, "scan taken over from an earlier attempt", { scanId: scan.id })).toBe(true);
    expect((await stores.scans.listByCluster("prod-eu")).items.map((s) => s.id)).toEqual([scan.id]);
    // one finding per identity, each created once
    expect(await stores.findings.loadForReconcile("prod-eu")).toHaveLength(4);
    const history = await sql<{ n: string }>`select count(*) as n from finding_history`.execute(database.db);
    expect(Number(history.rows[0]!.n)).toBe(4);

    // the leader dies: the other server takes the scheduler over
    first.child.kill("SIGKILL");
    await first.exited;
    await second.waitFor("leadership", () => hasLog(second, "became the leader"), 20_000);
    expect(await leaderGauge(secondUrl)).toBe(1);

    for (const p of [second, other]) p.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
    expect(await other.exited).toBe(0);
  }, 90_000);
});
