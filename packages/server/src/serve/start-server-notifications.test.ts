import { join } from "node:path";
import type { OsvRecord } from "@vigil/core";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testEnv } from "../../../../scripts/test-env/env.js";
import { osv, syncOf } from "../db/test-support/sync-fixtures.js";
import { DIALECTS, useTestDatabase } from "../db/test-support/test-databases.js";
import { apiRoutes } from "../http/routes/api-routes.js";
import { startWebhookReceiver, type WebhookReceiver } from "../notify/test-support/webhook-receiver.js";
import type { AdvisorySync } from "../scans/advisory-sync.js";
import { createScanStores } from "../scans/scan-stores.js";
import {
  countingIds,
  kubeconfigCluster,
  MUSL_CVE,
  OPENSSL_CVE,
  settableClock,
  shopDeployment,
  startTestCluster,
  type TestCluster,
  writeAdvisories,
} from "../scans/test-support/cluster-fixtures.js";
import { createWebhookDeliveryRepository } from "../store/webhook-delivery-repository.js";
import { createWebhookRepository } from "../store/webhook-repository.js";
import { createOwner } from "./create-owner.js";
import { type RunningServer, startServer } from "./start-server.js";

// Notifications end to end: `vigil serve` with scans against the test Kubernetes API server and
// registry, webhooks created through the API, a receiver on loopback that verifies every
// signature. Two workloads (shop/web, shop/api) run alpine-3.10; the clusters prod-eu and
// prod-us both read that API server (prod-us through the prod-eu context), so an advisory
// that affects alpine-3.10 affects 4 workloads in 2 clusters.
const env = testEnv();
const T0 = "2024-06-03T10:00:00.000Z";
const CRITICAL = [{ type: "CVSS_V3", score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" }] as const;
/** openssl in alpine-3.10, rated critical (9.8). */
const OPENSSL_CRITICAL: OsvRecord = { ...OPENSSL_CVE, severity: [...CRITICAL] };
/** busybox (busybox, ssl_client) in Alpine 3.10: what the advisory update brings. */
const BUSYBOX_310 = osv("CVE-2099-0009", {
  affected: [["Alpine:v3.10", "busybox"]],
  severity: [...CRITICAL],
});
const neverFire = { setTimeout: () => 0, clearTimeout: () => {} };

interface Received {
  readonly type: string;
  readonly body: Record<string, unknown>;
}

describe.each(DIALECTS)("notifications of a server's scans on %s", (dialect) => {
  const database = useTestDatabase(dialect);
  let cluster: TestCluster;
  let server: RunningServer | undefined;
  let receiver: WebhookReceiver;
  let nextSync: (advisories: Parameters<AdvisorySync>[0]["advisories"]) => Promise<void>;

  beforeEach(async () => {
    cluster = await startTestCluster({
      tmpPrefix: "vigil-notify-",
      objects: [...shopDeployment({ deployment: "web" }), ...shopDeployment({ deployment: "api" })],
    });
    receiver = await startWebhookReceiver();
    nextSync = async () => {};
  });

  let ownerToken: string | undefined;
  const asOwner = () => ({ Authorization: `Bearer ${ownerToken}` });

  afterEach(async () => {
    ownerToken = undefined;
    await server?.close();
    server = undefined;
    await receiver.close();
    await cluster.close();
  });

  const start = async (notifications: { timeoutMs?: number } = {}) => {
    server = await startServer({
      database: database.current,
      port: 0,
      host: "127.0.0.1",
      version: "9.9.9",
      logger: pino({ level: "silent" }),
      routes: (db, services) => apiRoutes({ database: db, ...services }),
      scans: {
        enabled: true,
        // the in-process runner on both databases: the test drives scans through it
        queue: false,
        kubeconfigPath: cluster.kubeconfig,
        cacheDir: join(cluster.dir, "cache"),
        clock: settableClock(T0),
        ids: countingIds(),
        registry: { caFile: env.registryCaFile },
        scheduler: { timers: neverFire },
        advisoryUpdate: {
          sync: async ({ advisories }) => {
            await nextSync(advisories);
            return { sources: [] };
          },
        },
      },
      notifications: { timeoutMs: 2_000, pollMs: 200, retry: { baseDelayMs: 100 }, ...notifications },
    });
    // webhooks are a maintainer's to configure: the tests call as the owner
    ownerToken ??= (
      await createOwner(database.current, {
        email: "owner@example.test",
        password: "a long enough password",
        tokenName: "notifications test",
      })
    ).token!;
    const stores = createScanStores(database.current.db);
    for (const id of ["prod-us", "prod-ap", "prod-jp"])
      await stores.clusters.upsert(kubeconfigCluster(id, T0));
    await stores.clusters.upsert(kubeconfigCluster("broken", T0, "no-such-context"));
    return server;
  };

  const createWebhook = async (path: string, body: Record<string, unknown>) => {
    const response = await fetch(`${server!.url}/api/v1/webhooks`, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...asOwner() },
      body: JSON.stringify({ name: path.slice(1), url: receiver.url(path), ...body }),
    });
    expect(response.status).toBe(201);
    const created = (await response.json()) as { id: string; secret: string };
    receiver.setSecret(path, created.secret);
    return created;
  };

  const scan = async (clusterId: string) => {
    const runner = server!.scans!.runner!;
    const started = Date.now();
    const record = await runner.start({ clusterId, scope: { namespaces: [] }, trigger: "manual" });
    const finished = await runner.finished(record.id);
    return { record: finished!, ms: Date.now() - started };
  };

  /** What a de-duplicating receiver processed at `path`, once `count` deliveries arrived. */
  const received = async (path: string, count: number): Promise<Received[]> => {
    await server!.notifications!.outbox.flushed();
    await receiver.waitFor(path, count);
    const unique = receiver.unique(path);
    expect(unique.every((r) => r.signature === undefined)).toBe(true);
    return unique.map((r) => ({ type: r.event, body: JSON.parse(r.body) as Record<string, unknown> }));
  };

  it("sends findings.new, finding.kev, scan.failed and advisory.affects from what scans and an advisory update committed", async () => {
    const running = await start();
    const stores = createScanStores(running.database.db);
    await writeAdvisories(stores.advisories, [OPENSSL_CRITICAL, MUSL_CVE]);
    await stores.advisories.applySync({
      source: { name: "cisa-kev", version: 1 },
      result: syncOf([{ kind: "kev", cve: "CVE-2099-0002", dateAdded: "2024-05-01" }]),
      now: "2024-06-01T00:00:00.000Z",
    });
    await createWebhook("/everything", {
      events: ["findings.new", "finding.kev", "scan.failed", "advisory.affects"],
      minSeverity: "unknown",
    });
    const chat = await createWebhook("/chat", {
      events: ["findings.new", "advisory.affects"],
      minSeverity: "high",
      format: "slack",
    });

    expect((await scan("prod-eu")).record.status).toBe("complete");
    let everything = await received("/everything", 2);
    const findingsNew = everything.find((e) => e.type === "findings.new")!.body;
    expect(findingsNew).toMatchObject({
      type: "findings.new",
      data: { clusterId: "prod-eu", counts: { critical: 4, unknown: 4 } },
    });
    const listed = (findingsNew.data as { findings: Record<string, unknown>[] }).findings;
    expect(listed).toHaveLength(8);
    // the most severe first, each with what a person acts on
    expect(listed[0]).toMatchObject({
      change: "created",
      advisoryId: "CVE-2099-0001",
      severity: "critical",
      kev: false,
      clusterId: "prod-eu",
      namespace: "shop",
      workloadKind: "Deployment",
      image: `${env.registry}/vigil/alpine-3.10:latest`,
    });
    const findingIds = new Set((await stores.findings.loadForReconcile("prod-eu")).map((f) => f.id));
    expect(listed.every((f) => findingIds.has(f.id as string))).toBe(true);
    const kev = everything.find((e) => e.type === "finding.kev")!.body.data as {
      total: number;
      findings: { advisoryId: string; kev: boolean }[];
    };
    expect(kev.total).toBe(4);
    expect(kev.findings.every((f) => f.advisoryId === "CVE-2099-0002" && f.kev)).toBe(true);
    // the Slack webhook sees only what is at least high
    const [slackNew] = await received("/chat", 1);
    expect(slackNew!.body.text).toBe("4 new findings in cluster prod-eu (4 critical)");
    expect(slackNew!.body.blocks).toHaveLength(2);

    // a scan that fails
    const broken = await scan("broken");
    expect(broken.record.status).toBe("failed");
    everything = await received("/everything", 3);
    expect(everything[2]).toMatchObject({
      type: "scan.failed",
      body: {
        data: { scanId: broken.record.id, clusterId: "broken", status: "failed", error: broken.record.error },
      },
    });

    // the second cluster: new findings there too; nothing new in prod-eu is sent again
    expect((await scan("prod-us")).record.status).toBe("complete");
    everything = await received("/everything", 5);
    // one event's deliveries to one webhook are sent one at a time, in no promised order
    expect(
      everything
        .slice(3)
        .map((e) => [e.type, (e.body.data as { clusterId?: string }).clusterId])
        .sort(),
    ).toEqual([
      ["finding.kev", undefined],
      ["findings.new", "prod-us"],
    ]);
    expect((await scan("prod-eu")).record.status).toBe("complete");
    await running.notifications!.outbox.flushed();

    // an advisory update: busybox now affected, and openssl enters the KEV catalog
    nextSync = async (advisories) => {
      await writeAdvisories(advisories, [OPENSSL_CRITICAL, MUSL_CVE, BUSYBOX_310], {
        now: "2024-06-02T00:00:00.000Z",
      });
      await advisories.applySync({
        source: { name: "cisa-kev", version: 1 },
        result: syncOf([
          { kind: "kev", cve: "CVE-2099-0002", dateAdded: "2024-05-01" },
          { kind: "kev", cve: "CVE-2099-0001", dateAdded: "2024-06-02" },
        ]),
        now: "2024-06-02T00:00:00.000Z",
      });
    };
    await running.scans!.updateAdvisories();
    everything = await received("/everything", 7);
    const affects = everything.find((e) => e.type === "advisory.affects")!.body.data as {
      advisories: { advisoryId: string; workloads: number; clusters: number; findings: number }[];
    };
    expect(affects.advisories).toEqual([
      expect.objectContaining({
        advisoryId: "CVE-2099-0009",
        severity: "critical",
        workloads: 4,
        clusters: 2,
      }),
    ]);
    const kevLater = everything.slice(5).find((e) => e.type === "finding.kev")!.body.data as {
      total: number;
      findings: { advisoryId: string; change: string }[];
    };
    // openssl's findings: 2 packages x 2 workloads x 2 clusters, known before, KEV-listed now
    expect(kevLater.total).toBe(8);
    expect(kevLater.findings.every((f) => f.advisoryId === "CVE-2099-0001" && f.change === "kev")).toBe(true);
    const chatAll = await received("/chat", 3);
    expect(chatAll[2]!.body.text).toBe("*CVE-2099-0009* (critical) now affects 4 workloads in 2 clusters");

    // the delivery log, and a test ping
    const log = await fetch(`${running.url}/api/v1/webhooks/${chat.id}/deliveries`, { headers: asOwner() });
    const page = (await log.json()) as { items: { state: string; eventType: string; attempts: number }[] };
    expect(page.items.map((d) => [d.eventType, d.state, d.attempts])).toEqual([
      ["advisory.affects", "delivered", 1],
      ["findings.new", "delivered", 1],
      ["findings.new", "delivered", 1],
    ]);
    const ping = await fetch(`${running.url}/api/v1/webhooks/${chat.id}/test`, {
      method: "POST",
      headers: asOwner(),
    });
    expect(ping.status).toBe(202);
    const [, , , pinged] = await received("/chat", 4);
    expect(pinged!.type).toBe("ping");
  });

  it("a receiver that never answers does not slow scans; stopping leaves its deliveries pending for the next start", async () => {
    const running = await start({ timeoutMs: 60_000 });
    const stores = createScanStores(running.database.db);
    await writeAdvisories(stores.advisories, [OPENSSL_CRITICAL, MUSL_CVE]);
    // warm the caches, then time a warm scan with no webhook at all
    expect((await scan("prod-ap")).record.status).toBe("complete");
    const baseline = await scan("prod-jp");

    await createWebhook("/black-hole", { events: ["findings.new"], minSeverity: "unknown" });
    // the first request is never answered; the endpoint answers again after a restart
    receiver.script("/black-hole", "hang");
    const first = await scan("prod-eu");
    await receiver.waitFor("/black-hole", 1);
    const second = await scan("prod-us");
    expect([first.record.status, second.record.status]).toEqual(["complete", "complete"]);
    // the first delivery is still held open while the second scan ran and finished
    expect(receiver.hanging()).toBe(1);
    expect(second.ms).toBeLessThan(baseline.ms + 2_000);
    console.info(
      `[notify] warm scan: ${baseline.ms} ms without webhooks, ${first.ms} and ${second.ms} ms with an endpoint that never answers`,
    );

    const stopping = Date.now();
    await running.close();
    server = undefined;
    expect(Date.now() - stopping).toBeLessThan(5_000);
    const [hook] = await createWebhookRepository(database.current.db).list();
    const left = await createWebhookDeliveryRepository(database.current.db).listByWebhook(hook!.id);
    // both scans' deliveries wait for the next start, the one in flight not counted as an attempt
    expect(left.items.map((d) => [d.state, d.attempts])).toEqual([
      ["pending", 0],
      ["pending", 0],
    ]);

    // the next start sends both: the receiver processes each delivery once
    await start();
    await receiver.waitFor("/black-hole", 3);
    expect(receiver.unique("/black-hole")).toHaveLength(2);
    expect(receiver.requests("/black-hole").every((r) => r.signature === undefined)).toBe(true);
    const deadline = Date.now() + 10_000;
    let states: string[] = [];
    while (Date.now() < deadline) {
      const page = await createWebhookDeliveryRepository(database.current.db).listByWebhook(hook!.id);
      states = page.items.map((d) => `${d.state}/${d.attempts}`);
      if (states.every((s) => s === "delivered/1")) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(states).toEqual(["delivered/1", "delivered/1"]);
  });
});
