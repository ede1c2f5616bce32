import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDatabase, createOwner, createScanStores, migrateToLatest } from "@vigil/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testEnv } from "../../../../scripts/test-env/env.js";
import { readExpectedImage } from "../../../../scripts/test-env/expected.js";
import {
  type ActiveRule,
  alteredBody,
  type FaultRule,
  kubeStatus,
  latency,
  resetMidBody,
  statusAnswer,
  tooManyRequests,
  truncatedBody,
} from "../../../../scripts/test-env/fault-proxy.js";
import {
  BUSYBOX_CVE,
  MUSL_CVE,
  OPENSSL_CVE,
  writeAdvisories,
} from "../../../server/src/scans/test-support/cluster-fixtures.js";
import { servingUrl, startVigilProcess, type VigilProcess } from "../test-support/vigil-process.js";
import { type FaultCluster, startFaultCluster } from "./test-support/fault-cluster.js";
import { type FaultRow, writeFaultTable } from "./test-support/fault-table.js";
import { type PrivatePostgres, startPrivatePostgres } from "./test-support/private-postgres.js";
import { type ApiFinding, type ApiScan, createVigilApi, type VigilApi } from "./test-support/vigil-api.js";

// Faults injected into the real parts a cluster scan goes through (the test registry and the
// test Kubernetes API server behind fault proxies, a private PostgreSQL, `vigil serve` and
// `vigil worker` as processes), one scan per fault. Each scan must end as expected, resolve
// nothing, lose nothing stored, and leave the server answering. The table of expected and
// observed outcomes is printed and written to test-output/fault-table.md (see docs/faults.md).
const env = testEnv();
const layerOf = (tag: "alpine-3.10" | "alpine-3.11") => readExpectedImage(env, tag).layers[0]!.digest;
const WEB_BLOB = new RegExp(`^/v2/vigil/alpine-3\\.10/blobs/${layerOf("alpine-3.10")}`);
const API_MANIFEST = /^\/v2\/vigil\/alpine-3\.11\/manifests\//;
const POD_LISTS = /^\/api\/v1\/(namespaces\/[^/]+\/)?pods(\?|$)/;
const CLUSTER_POD_LIST = /^\/api\/v1\/pods(\?|$)/;
const TABLE_FILE = join(import.meta.dirname, "../../../../test-output/fault-table.md");
// Scan jobs held longer than this by a silent worker are retried by another: above any scan
// here (the slowest waits out 4 registry retries, or a 3 s hold), short enough for the worker row.
const JOB_EXPIRY = "8";

/** What a fault's scan should end as. */
interface Expected {
  readonly statuses: readonly string[];
  /** Must match the scan's failure reasons and error, when given. */
  readonly reason?: RegExp;
  readonly text: string;
}

const complete: Expected = { statuses: ["complete"], text: "complete" };
const partialFor = (reason: RegExp, what: string): Expected => ({
  statuses: ["partial"],
  reason,
  text: `partial: alpine-3.11 not scanned, reason names ${what}; its findings stay open`,
});

/** What is stored before a fault, to compare after it. */
interface Stored {
  readonly findings: ReadonlyMap<string, string>;
  readonly scans: ReadonlySet<string>;
}

const work = mkdtempSync(join(tmpdir(), "vigil-faults-"));
const rows: FaultRow[] = [];
const processes: VigilProcess[] = [];
let postgres: PrivatePostgres;
let cluster: FaultCluster;
let serve: VigilProcess;
let worker: VigilProcess;
let api: VigilApi;

function startWorker(name: string): VigilProcess {
  const started = startVigilProcess(
    [
      "worker",
      "--name",
      name,
      "--kubeconfig",
      cluster.kubeconfig,
      "--no-cache",
      "--job-expiry",
      JOB_EXPIRY,
      "--poll-interval",
      "0.5",
    ],
    { DATABASE_URL: postgres.url, HOME: work, KUBECONFIG: "" },
  );
  processes.push(started);
  return started;
}

async function snapshot(): Promise<Stored> {
  const findings = await api.findings();
  return {
    findings: new Map(findings.map((f: ApiFinding) => [f.id, f.state])),
    scans: new Set((await api.scans()).map((s) => s.id)),
  };
}

/** The scan's failures, each with what failed (an image reference, a namespace), and its error. */
const reasonsOf = (scan: ApiScan): string =>
  [
    ...(scan.failures ?? []).map((f) => (f.subject ? `${f.subject}: ${f.reason}` : f.reason)),
    ...(scan.error ? [scan.error] : []),
  ].join("; ");

/** Which worker ran which attempt of a scan, from their logs: `w1 started, w2 took over`. */
function attemptsOf(scanId: string): string {
  const steps: string[] = [];
  for (const p of processes.filter((q) => q.args[0] === "worker")) {
    const name = p.args[p.args.indexOf("--name") + 1];
    for (const log of p.logs) {
      if (log.scanId !== scanId) continue;
      if (log.msg === "scan started") steps.push(`${name} started`);
      else if (log.msg === "scan taken over from an earlier attempt")
        steps.push(`${name} took over (attempt ${log.attempt})`);
      else if (typeof log.level === "number" && log.level >= 50)
        steps.push(`${name} error: ${String(log.msg)}`);
    }
  }
  return steps.join(", ");
}

/** What a fault broke of what was stored, and whether the server still answers; empty when nothing. */
async function damage(before: Stored): Promise<string[]> {
  const problems: string[] = [];
  const health = await api.health();
  if (health !== 200) problems.push(`health answers ${health}`);
  if (serve.child.exitCode !== null) problems.push(`vigil serve exited (${serve.child.exitCode})`);
  const after = await snapshot();
  const lost = [...before.findings.keys()].filter((id) => !after.findings.has(id));
  if (lost.length > 0) problems.push(`${lost.length} findings lost`);
  // the cluster never changes here: a finding that changes state was changed by the fault
  const changed = [...before.findings].filter(
    ([id, state]) => after.findings.has(id) && after.findings.get(id) !== state,
  );
  const resolved = changed.filter(([id]) => after.findings.get(id) === "resolved").length;
  if (resolved > 0) problems.push(`${resolved} findings RESOLVED`);
  if (changed.length > resolved) problems.push(`${changed.length - resolved} findings changed state`);
  const scansLost = [...before.scans].filter((id) => !after.scans.has(id)).length;
  if (scansLost > 0) problems.push(`${scansLost} scans lost`);
  return problems;
}

/**
 * Runs one fault: sets the proxies' rules, starts a scan (or lets `drive` do the fault's own
 * steps), waits for its end, and records the row. Fails the test when observed ≠ expected.
 */
async function runFault(
  fault: string,
  expected: Expected,
  setup: {
    readonly registry?: readonly FaultRule[];
    readonly kube?: readonly FaultRule[];
    /** Extra steps while the scan runs; returns extra observations (empty when as expected). */
    readonly drive?: (scan: ApiScan) => Promise<string[]>;
    /** Checks after the end, with the rules as they counted: returns notes that make the row fail. */
    readonly check?: (
      scan: ApiScan,
      rules: { readonly registry: readonly ActiveRule[]; readonly kube: readonly ActiveRule[] },
    ) => string[];
    /** How it went beyond status and reason (attempts, workers), shown in the table. */
    readonly detail?: (scan: ApiScan) => string;
    readonly timeoutMs?: number;
  },
): Promise<void> {
  const before = await snapshot();
  const started = performance.now();
  cluster.registryProxy.setRules(setup.registry ?? []);
  cluster.apiProxy.setRules(setup.kube ?? []);
  const queued = await api.startScan(cluster.context);
  const notes = setup.drive ? await setup.drive(queued) : [];
  let scan: ApiScan;
  try {
    scan = await api.waitForEnd(queued.id, setup.timeoutMs ?? 30_000);
  } catch (error) {
    scan = { id: queued.id, status: "did not end", error: (error as Error).message };
  }
  const seconds = (performance.now() - started) / 1000;
  const registryRules = cluster.registryProxy.rules();
  const kubeRules = cluster.apiProxy.rules();
  cluster.registryProxy.setRules([]);
  cluster.apiProxy.setRules([]);
  for (const rule of [...registryRules, ...kubeRules])
    if (rule.injected === 0) notes.push(`fault "${rule.name}" never injected`);
  notes.push(...(setup.check?.(scan, { registry: registryRules, kube: kubeRules }) ?? []));
  notes.push(...(await damage(before)));
  const reasons = reasonsOf(scan);
  const statusOk = expected.statuses.includes(scan.status);
  const reasonOk = expected.reason ? expected.reason.test(reasons) : true;
  // digests cut to 12 hex digits and loopback ports left out, so that tables compare across runs
  const readable = reasons
    .replace(/(sha256:[0-9a-f]{12})[0-9a-f]{52}/g, "$1…")
    .replace(/127\.0\.0\.1:\d+/g, "127.0.0.1:PORT");
  const shown = readable.length > 260 ? `${readable.slice(0, 260)}…` : readable;
  const detail = setup.detail?.(scan);
  const observed = [
    `${scan.status}${detail ? ` (${detail})` : ""}${shown ? `: ${shown}` : ""}`,
    ...notes,
  ].join("; ");
  const row: FaultRow = {
    fault,
    expected: expected.text,
    observed,
    ok: statusOk && reasonOk && notes.length === 0,
    seconds,
  };
  rows.push(row);
  expect(row, observed).toMatchObject({ ok: true });
}

describe("fault suite", () => {
  beforeAll(async () => {
    postgres = await startPrivatePostgres();
    const database = createDatabase({ url: postgres.url });
    let token: string;
    try {
      await migrateToLatest(database.db);
      await writeAdvisories(createScanStores(database.db).advisories, [OPENSSL_CVE, MUSL_CVE, BUSYBOX_CVE]);
      const owner = await createOwner(database, {
        email: "owner@example.test",
        password: "a long enough password",
        tokenName: "fault suite",
      });
      token = owner.token as string;
    } finally {
      // no idle connection of the test's own may see the database go away later
      await database.close();
    }
    cluster = await startFaultCluster(work);
    serve = startVigilProcess(
      [
        "serve",
        "--port",
        "0",
        "--host",
        "127.0.0.1",
        "--data-dir",
        join(work, "data"),
        "--kubeconfig",
        cluster.kubeconfig,
        "--no-advisory-update",
        "--no-ui",
        "--workers",
        "0",
        "--job-expiry",
        JOB_EXPIRY,
        "--poll-interval",
        "0.5",
      ],
      { DATABASE_URL: postgres.url, HOME: work, KUBECONFIG: "" },
    );
    processes.push(serve);
    api = createVigilApi(await servingUrl(serve), token);
    worker = startWorker("w1");
    await worker.waitFor("start", () => worker.stderr().includes("taking scan jobs"));
  }, 60_000);

  afterAll(async () => {
    if (rows.length > 0) {
      const table = writeFaultTable(TABLE_FILE, rows);
      console.log(`\nFault table (also in ${TABLE_FILE}):\n\n${table}`);
    }
    for (const p of processes) if (p.child.exitCode === null) p.child.kill("SIGKILL");
    await Promise.all(processes.map((p) => p.exited));
    await cluster?.close();
    await postgres?.destroy();
    rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it("baseline: a full scan finds the shop's findings; one is dismissed by a user", async () => {
    await runFault("none (baseline)", complete, {});
    const findings = await api.findings();
    expect(findings.map((f) => `${f.identity.workloadName} ${f.identity.packageName}`).sort()).toEqual([
      "api busybox",
      "api libcrypto1.1",
      "api libssl1.1",
      "api ssl_client",
      "web libcrypto1.1",
      "web libssl1.1",
      "web musl",
      "web musl-utils",
    ]);
    const busybox = findings.find((f) => f.identity.packageName === "busybox")!;
    await api.dismiss(busybox.id, "the fault suite's dismissal, which every fault must keep");
    expect((await api.findings()).find((f) => f.id === busybox.id)?.state).toBe("dismissed");
  });

  describe("registry", () => {
    it("latency on every request", () =>
      runFault("registry: 400 ms latency on every request", complete, {
        registry: [{ path: /^\/v2\//, fault: latency(400) }],
      }));

    it("connection reset mid-blob", () =>
      runFault(
        "registry: connection reset after 1 KiB of a layer blob (once)",
        { ...complete, text: "complete (the blob resumes)" },
        {
          registry: [{ path: WEB_BLOB, method: "GET", times: 1, fault: resetMidBody(1024) }],
          check: (_scan, { registry }) => {
            const resumed = registry[0]!.matched;
            return resumed >= 2 ? [] : [`the blob was asked for ${resumed} time(s)`];
          },
        },
      ));

    it("connection reset mid-manifest", () =>
      runFault(
        "registry: connection reset after 100 bytes of a manifest (once)",
        { ...complete, text: "complete (retried)" },
        { registry: [{ path: API_MANIFEST, method: "GET", times: 1, fault: resetMidBody(100) }] },
      ));

    it("connection reset on every manifest read", () =>
      runFault(
        "registry: connection reset after 100 bytes of alpine-3.11's manifest (always)",
        partialFor(
          /alpine-3\.11.*Reading manifest .* connection dropped/,
          "the manifest and the dropped connection",
        ),
        { registry: [{ path: API_MANIFEST, method: "GET", fault: resetMidBody(100) }] },
      ));

    it("truncated manifest", () =>
      runFault(
        "registry: manifest truncated after 100 bytes, Content-Length kept (once)",
        { ...complete, text: "complete (retried)" },
        { registry: [{ path: API_MANIFEST, method: "GET", times: 1, fault: truncatedBody(100) }] },
      ));

    it("429 with Retry-After", () =>
      runFault(
        "registry: 429 Retry-After: 1 on a manifest (twice)",
        { ...complete, text: "complete, each retry after ≥ 1 s" },
        {
          registry: [{ path: API_MANIFEST, times: 2, fault: tooManyRequests(1) }],
          check: (_scan, { registry }) => {
            const at = registry[0]!.matchedAt;
            const waits = at.slice(1).map((t, i) => t - at[i]!);
            return waits.length >= 2 && waits.slice(0, 2).every((ms) => ms >= 950)
              ? []
              : [`waits between tries ${waits.map((ms) => Math.round(ms)).join(", ")} ms`];
          },
        },
      ));

    it("429 with a Retry-After of an hour", () =>
      runFault(
        "registry: 429 Retry-After: 3600 on alpine-3.11's manifest (always)",
        partialFor(/alpine-3\.11.*(3600|hour|Retry-After|rate)/i, "the wait asked for, without waiting it"),
        { registry: [{ path: API_MANIFEST, fault: tooManyRequests(3600) }] },
      ));

    it("500 a few times", () =>
      runFault(
        "registry: 500 on blobs (first 2)",
        { ...complete, text: "complete (retried)" },
        {
          registry: [{ path: /\/blobs\//, times: 2, fault: statusAnswer(500) }],
        },
      ));

    it("500 always on one image's manifest", () =>
      runFault("registry: 500 always on alpine-3.11's manifest", partialFor(/alpine-3\.11.*500/, "the 500"), {
        registry: [{ path: API_MANIFEST, fault: statusAnswer(500) }],
      }));

    it("404 on one image's manifest", () =>
      runFault(
        "registry: 404 MANIFEST_UNKNOWN on alpine-3.11's manifest",
        partialFor(/alpine-3\.11.*(404|not found|unknown)/i, "the 404"),
        {
          registry: [
            {
              path: API_MANIFEST,
              fault: statusAnswer(404, {
                body: { errors: [{ code: "MANIFEST_UNKNOWN", message: "manifest unknown" }] },
              }),
            },
          ],
        },
      ));

    it("truncated body", () =>
      runFault(
        "registry: layer blob truncated after 2000 bytes, Content-Length kept (once)",
        { ...complete, text: "complete (the blob resumes)" },
        {
          registry: [{ path: WEB_BLOB, method: "GET", times: 1, fault: truncatedBody(2000) }],
        },
      ));

    it("wrong digest", () =>
      runFault(
        "registry: one byte of alpine-3.10's layer altered (always)",
        {
          statuses: ["partial"],
          reason: /alpine-3\.10.*not scanned: no layer could be read.*does not match its digest/,
          text: "partial: alpine-3.10 not scanned, reason names the digest mismatch; its findings stay open",
        },
        { registry: [{ path: WEB_BLOB, method: "GET", fault: alteredBody() }] },
      ));

    it("401", () =>
      runFault(
        "registry: 401 on alpine-3.11's manifest",
        partialFor(/alpine-3\.11.*(401|auth|credential)/i, "authentication"),
        {
          registry: [
            {
              path: API_MANIFEST,
              fault: statusAnswer(401, {
                headers: { "WWW-Authenticate": 'Basic realm="fault proxy"' },
                body: { errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] },
              }),
            },
          ],
        },
      ));
  });

  describe("Kubernetes API server", () => {
    const listFailed = (what: string, reason: RegExp): Expected => ({
      statuses: ["failed"],
      reason,
      text: `failed, reason names ${what}; nothing resolved`,
    });

    it("500 on the pod list", () =>
      runFault(
        "API: 500 InternalError on the cluster-wide pod list (always)",
        listFailed("the server's error, after 3 tries", /cannot list pods.*(500|etcdserver)/),
        {
          kube: [
            {
              path: CLUSTER_POD_LIST,
              fault: kubeStatus(500, "InternalError", "etcdserver: request timed out"),
            },
          ],
          check: (_scan, { kube }) => (kube[0]!.matched === 3 ? [] : [`${kube[0]!.matched} tries, not 3`]),
        },
      ));

    it("503 on the pod list", () =>
      runFault(
        "API: 503 ServiceUnavailable on the cluster-wide pod list (always)",
        listFailed("the 503", /cannot list pods.*(503|unable to handle)/),
        {
          kube: [
            {
              path: CLUSTER_POD_LIST,
              fault: kubeStatus(
                503,
                "ServiceUnavailable",
                "the server is currently unable to handle the request",
              ),
            },
          ],
        },
      ));

    it("503 twice on the pod list", () =>
      runFault(
        "API: 503 ServiceUnavailable on the cluster-wide pod list (first 2)",
        { ...complete, text: "complete (retried)" },
        {
          kube: [
            {
              path: CLUSTER_POD_LIST,
              times: 2,
              fault: kubeStatus(
                503,
                "ServiceUnavailable",
                "the server is currently unable to handle the request",
              ),
            },
          ],
        },
      ));

    it("429 with Retry-After on the pod list", () =>
      runFault(
        "API: 429 TooManyRequests, Retry-After: 1 on the pod list (once)",
        { ...complete, text: "complete, retried after ≥ 1 s" },
        {
          kube: [
            {
              path: CLUSTER_POD_LIST,
              times: 1,
              fault: statusAnswer(429, {
                headers: { "Retry-After": "1" },
                body: {
                  kind: "Status",
                  apiVersion: "v1",
                  status: "Failure",
                  reason: "TooManyRequests",
                  code: 429,
                  message: "too many requests, please try again later",
                },
              }),
            },
          ],
          check: (_scan, { kube }) => {
            const at = kube[0]!.matchedAt;
            const wait = (at[1] ?? 0) - (at[0] ?? 0);
            return wait >= 950 ? [] : [`asked again after ${Math.round(wait)} ms`];
          },
        },
      ));

    it("connection reset mid-list", () =>
      runFault(
        "API: connection reset after 4 KiB of the pod list (once)",
        { ...complete, text: "complete (asked again)" },
        { kube: [{ path: CLUSTER_POD_LIST, times: 1, fault: resetMidBody(4096) }] },
      ));

    it("every connection dropped", () =>
      runFault(
        "API: every connection reset before an answer (always)",
        listFailed("the unreachable server", /Cannot reach the Kubernetes API server/),
        { kube: [{ path: /^\//, fault: resetMidBody(0) }] },
      ));

    it("401 on the pod list", () =>
      runFault(
        "API: 401 Unauthorized on the cluster-wide pod list",
        listFailed("the refused credentials", /401|Unauthorized/),
        { kube: [{ path: CLUSTER_POD_LIST, fault: kubeStatus(401, "Unauthorized", "Unauthorized") }] },
      ));

    it("403 on pod lists", () =>
      runFault(
        "API: 403 Forbidden on every pod list",
        listFailed("the permission", /forbidden.*Grant list on pods/s),
        {
          kube: [
            {
              path: POD_LISTS,
              fault: kubeStatus(
                403,
                "Forbidden",
                'pods is forbidden: User "system:serviceaccount:vigil:vigil" cannot list resource "pods" in API group "" at the cluster scope',
              ),
            },
          ],
        },
      ));

    it("410 Gone on a continue token", () =>
      runFault(
        "API: 410 Expired on the pod list's continue token (once)",
        { ...complete, text: "complete (the list restarts)" },
        {
          kube: [
            {
              path: /^\/api\/v1\/pods\?.*continue=/,
              times: 1,
              fault: kubeStatus(
                410,
                "Expired",
                "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.",
              ),
            },
          ],
          check: (_scan, { kube }) => {
            const firstPages = kube[0]!.matched;
            return firstPages >= 2 ? [] : [`the continue token was sent ${firstPages} time(s)`];
          },
        },
      ));

    it("410 Gone on every continue token", () =>
      runFault(
        "API: 410 Expired on every continue token of the pod list (always)",
        listFailed(
          "the expired list",
          /cannot list pods cluster-wide: The list of pods of all namespaces expired twice/,
        ),
        {
          kube: [
            {
              path: /^\/api\/v1\/pods\?.*continue=/,
              fault: kubeStatus(
                410,
                "Expired",
                "The provided continue parameter is too old to display a consistent list result.",
              ),
            },
          ],
        },
      ));

    it("latency", () =>
      runFault("API: 1 s latency on pod lists", complete, {
        kube: [{ path: POD_LISTS, fault: latency(1000) }],
      }));
  });

  describe("processes", () => {
    it(
      "a worker SIGKILLed mid-job",
      () =>
        runFault(
          "worker SIGKILLed while it pulls a layer",
          { ...complete, text: "complete, taken over by another worker after the job's expiry" },
          {
            // holds the layer so that the worker is in the middle of its job when it dies
            registry: [{ path: WEB_BLOB, method: "GET", times: 1, fault: latency(3000) }],
            detail: (scan) => attemptsOf(scan.id),
            timeoutMs: 45_000,
            drive: async (scan) => {
              const held = () => cluster.registryProxy.rules()[0]!.injected > 0;
              await worker.waitFor("a held layer", held, 20_000);
              worker.child.kill("SIGKILL");
              await worker.exited;
              worker = startWorker("w2");
              await worker.waitFor("start", () => worker.stderr().includes("taking scan jobs"));
              const taker = worker;
              await taker.waitFor(
                "take-over",
                () => taker.hasLog("scan finished", { scanId: scan.id }),
                40_000,
              );
              return taker.hasLog("scan taken over from an earlier attempt", { scanId: scan.id })
                ? []
                : ["w2 did not log a take-over"];
            },
          },
        ),
      60_000,
    );

    it(
      "PostgreSQL goes away mid-scan and comes back",
      () =>
        runFault(
          "PostgreSQL stopped mid-scan (fast shutdown), started again 2 s later",
          {
            statuses: ["complete", "failed"],
            text: "complete (retried) or failed with a reason, once the database is back; server answers again",
          },
          {
            registry: [{ path: WEB_BLOB, method: "GET", times: 1, fault: latency(2000) }],
            detail: (scan) => attemptsOf(scan.id),
            timeoutMs: 45_000,
            drive: async () => {
              const held = () => cluster.registryProxy.rules()[0]!.injected > 0;
              await worker.waitFor("a held layer", held, 20_000);
              await postgres.stop();
              await new Promise((resolve) => setTimeout(resolve, 2000));
              const notes: string[] = [];
              const whileDown = await api.health();
              if (whileDown !== 503) notes.push(`health answered ${whileDown} while the database was down`);
              for (const p of [serve, worker]) {
                if (p.child.exitCode !== null)
                  notes.push(`${p.args[0]} exited (${p.child.exitCode}) while the database was down`);
              }
              await postgres.start();
              return notes;
            },
            check: () =>
              worker.child.exitCode !== null ? [`the worker exited (${worker.child.exitCode})`] : [],
          },
        ),
      60_000,
    );
  });
});
