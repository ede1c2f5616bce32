import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testEnv } from "../../../scripts/test-env/env.js";
import {
  billingDeploymentWithPullSecret,
  digestOf,
  shopDeployment,
  startTestCluster,
  type TestCluster,
} from "../../server/src/scans/test-support/cluster-fixtures.js";

// A whole run of the built bin at the most verbose log level, then a search of everything the
// processes printed for every secret the run handled: the registry password behind a pod's pull
// secret (plain and as the base64 a docker config holds), the kubeconfig's bearer token, the
// owner's password, API token and session cookie, and an agent's token. The run touches every
// path those secrets take: a central scan that pulls through the pull secret, an agent in
// discover mode that ships the pull credentials to the server, sign-in (right and wrong), and
// requests with wrong tokens.
const main = join(import.meta.dirname, "../dist/main.js");
const env = testEnv();
const PASSWORD = "correct horse battery staple 42";

interface Process {
  readonly child: ChildProcessWithoutNullStreams;
  output(): string;
  readonly exited: Promise<number | null>;
}

const processes: Process[] = [];
let cluster: TestCluster;
let url = "";
let ownerToken = "";

function vigil(args: readonly string[], stdin = ""): Process {
  const child = spawn(process.execPath, [main, ...args], {
    cwd: cluster.dir,
    env: {
      ...process.env,
      VIGIL_LOG_LEVEL: "trace",
      VIGIL_DATA_DIR: join(cluster.dir, "data"),
      VIGIL_CACHE_DIR: join(cluster.dir, "cache"),
      HOME: cluster.dir,
      DATABASE_URL: "",
      KUBECONFIG: "",
      VIGIL_AGENT_TOKEN: "",
    },
  });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (output += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (output += d));
  child.stdin.end(stdin);
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  const running = { child, output: () => output, exited };
  processes.push(running);
  return running;
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, ms = 60_000) {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function api(
  path: string,
  init: { method?: string; json?: unknown; token?: string; headers?: Record<string, string> } = {},
) {
  return fetch(`${url}${path}`, {
    method: init.method ?? (init.json === undefined ? "GET" : "POST"),
    headers: {
      // token "": no Authorization header (sign-in)
      ...(init.token === "" ? {} : { authorization: `Bearer ${init.token ?? ownerToken}` }),
      ...(init.json === undefined ? {} : { "content-type": "application/json" }),
      ...init.headers,
    },
    ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
  });
}

async function finishedScan(id: string) {
  return waitFor(`scan ${id}`, async () => {
    const scan = (await (await api(`/api/v1/scans/${id}`)).json()) as {
      status: string;
      images?: { reference: string; status: string }[];
    };
    return scan.status === "queued" || scan.status === "running" ? undefined : scan;
  });
}

const billingImage = `${env.authRegistry}/vigil/alpine-3.11@${digestOf("alpine-3.11")}`;
const basicAuth = Buffer.from(`${env.registryUser}:${env.registryPassword}`).toString("base64");
const dockerConfigJson = Buffer.from(
  JSON.stringify({ auths: { [env.authRegistry]: { auth: basicAuth } } }),
).toString("base64");

beforeAll(async () => {
  cluster = await startTestCluster({
    tmpPrefix: "vigil-secrets-in-logs-",
    objects: [...shopDeployment(), ...billingDeploymentWithPullSecret()],
  });
});

afterAll(async () => {
  for (const running of processes) if (running.child.exitCode === null) running.child.kill("SIGKILL");
  await cluster.close();
});

describe("secrets never reach the logs", () => {
  it("a whole run at log level trace prints none of the secrets it handled", async () => {
    const owner = vigil(
      ["admin", "create-owner", "--email", "owner@example.test", "--password-stdin", "--token", "ci"],
      `${PASSWORD}\n`,
    );
    expect(await owner.exited, owner.output()).toBe(0);
    ownerToken = /vigil_pat_\S+/.exec(owner.output())?.[0] ?? "";
    expect(ownerToken).not.toBe("");

    const serve = vigil([
      "serve",
      "--port",
      "0",
      "--host",
      "127.0.0.1",
      "--kubeconfig",
      cluster.kubeconfig,
      "--ca-file",
      env.registryCaFile,
      "--no-advisory-update",
      "--no-notifications",
      "--no-ui",
    ]);
    url = await waitFor("the server's address", () => /"url":"(http:[^"]+)"/.exec(serve.output())?.[1]);

    // sign-in: a wrong password, then the right one (session cookie and CSRF token)
    const wrong = await api("/api/v1/auth/login", {
      json: { email: "owner@example.test", password: "not it" },
      token: "",
    });
    expect(wrong.status).toBe(401);
    const login = await api("/api/v1/auth/login", {
      json: { email: "owner@example.test", password: PASSWORD },
      token: "",
    });
    expect(login.status).toBe(200);
    const cookie = /vigil_session=([^;]+)/.exec(login.headers.get("set-cookie") ?? "")?.[1] ?? "";
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    expect(cookie).not.toBe("");
    const session = await fetch(`${url}/api/v1/auth/session`, {
      headers: { cookie: `vigil_session=${cookie}` },
    });
    expect(session.status).toBe(200);

    // the kubeconfig cluster: a central scan pulls the billing image through the pod's pull secret
    const clusters = (await (await api("/api/v1/clusters")).json()) as { items: { id: string }[] };
    expect(clusters.items).toHaveLength(1);
    const started = await api("/api/v1/scans", { json: { cluster: clusters.items[0]!.id } });
    expect(started.status, await started.clone().text()).toBe(202);
    const central = await finishedScan(((await started.json()) as { id: string }).id);
    expect(central.status).toBe("complete");
    expect(central.images).toContainEqual(
      expect.objectContaining({ reference: billingImage, status: "complete" }),
    );

    // an agent in discover mode ships the pull credentials for the server to scan with
    const registered = await api("/api/v1/clusters/edge/agents", {
      json: { name: "edge agent", mode: "discover" },
    });
    expect(registered.status).toBe(201);
    const { token: agentToken } = (await registered.json()) as { token: string };
    const tokenFile = join(cluster.dir, "agent-token");
    writeFileSync(tokenFile, `${agentToken}\n`, { mode: 0o600 });
    const edgeScan = await api("/api/v1/scans", { json: { cluster: "edge" } });
    expect(edgeScan.status).toBe(202);
    const agent = vigil([
      "agent",
      "--server",
      url,
      "--token-file",
      tokenFile,
      "--kubeconfig",
      cluster.kubeconfig,
      "--spool-dir",
      join(cluster.dir, "spool"),
      "--poll-interval",
      "0.1",
      "--ca-file",
      env.registryCaFile,
    ]);
    const viaAgent = await finishedScan(((await edgeScan.json()) as { id: string }).id);
    expect(viaAgent.status, agent.output()).toBe("complete");
    expect(viaAgent.images).toContainEqual(
      expect.objectContaining({ reference: billingImage, status: "complete" }),
    );

    // refusals: a token one character off, the agent token used as a user token, a forged session
    expect((await api("/api/v1/findings", { token: `${ownerToken.slice(0, -1)}x` })).status).toBe(401);
    // an agent is known but has no user routes
    expect((await api("/api/v1/findings", { token: agentToken })).status).toBe(403);
    const forged = await fetch(`${url}/api/v1/scans`, {
      method: "POST",
      headers: {
        cookie: `vigil_session=${cookie}x`,
        "x-csrf-token": csrfToken,
        "content-type": "application/json",
      },
      body: "{}",
    });
    expect(forged.status).toBe(401);

    for (const running of [agent, serve]) running.child.kill("SIGTERM");
    expect(await agent.exited).toBe(0);
    expect(await serve.exited).toBe(0);

    const logs = processes.map((p) => p.output()).join("\n");
    // the search is only worth something over logs that say what happened, at the finest level
    expect(logs).toMatch(/"level":(10|20),/);
    expect(logs).toMatch(/vigil server listening/);
    expect(logs).toMatch(/claimed scan .* \(discover\)/);
    const kubeToken = /token: "?([^"\s]+)"?/.exec(readFileSync(cluster.kubeconfig, "utf8"))?.[1] ?? "";
    expect(kubeToken).not.toBe("");
    const secrets = {
      "registry password": env.registryPassword,
      "registry basic auth": basicAuth,
      "pull secret .dockerconfigjson": dockerConfigJson,
      "kubeconfig bearer token": kubeToken,
      "owner password": PASSWORD,
      "owner API token": ownerToken,
      "session cookie": cookie,
      "CSRF token": csrfToken,
      "agent token": agentToken,
    };
    // create-owner prints the API token on stdout once, by design: that line is its answer
    const printedOnPurpose = owner.output();
    const leaked = Object.entries(secrets)
      .filter(([, value]) => logs.replace(printedOnPurpose, "").includes(value))
      .map(([name]) => name);
    expect(leaked).toEqual([]);
  }, 180_000);
});
