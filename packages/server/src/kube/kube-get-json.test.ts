import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { KubeConfig, type User } from "@kubernetes/client-node";
import { KubernetesApiError, KubernetesConnectionError } from "@vigil/core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createKubeGetJson } from "./kube-get-json.js";

// The transport against a scripted plain-HTTP server (client-node accepts http: only with
// insecure-skip-tls-verify, and so does the transport). The real-protocol server over TLS is in
// kubernetes-client-reader.integration.test.ts.

type Handler = (request: IncomingMessage, response: ServerResponse, socketRequests: number) => void;

let server: Server;
let url: string;
let handler: Handler;
let dir: string;
const seen: { path: string; headers: IncomingMessage["headers"] }[] = [];
const perSocket = new WeakMap<Socket, number>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "vigil-kube-get-json-"));
  server = createServer((request, response) => {
    const count = (perSocket.get(request.socket) ?? 0) + 1;
    perSocket.set(request.socket, count);
    seen.push({ path: request.url ?? "", headers: request.headers });
    handler(request, response, count);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(() => {
  seen.length = 0;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

function json(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
  });
  response.end(text);
}

function kubeConfig(
  user: Omit<User, "name">,
  cluster: { server?: string; skipTLSVerify?: boolean } = {},
): KubeConfig {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: "c", server: cluster.server ?? url, skipTLSVerify: cluster.skipTLSVerify ?? true }],
    users: [{ name: "u", ...user }],
    contexts: [{ name: "ctx", cluster: "c", user: "u" }],
    currentContext: "ctx",
  });
  return config;
}

const LIST = { verb: "list", resource: "pods" } as const;

describe("kubeGetJson", () => {
  it("GETs the path after the server's own path, with the query, JSON and the token; decodes gzip", async () => {
    handler = (_request, response) => {
      const body = gzipSync(JSON.stringify({ kind: "PodList", metadata: { continue: "x" }, items: [] }));
      response.writeHead(200, { "Content-Type": "application/json", "Content-Encoding": "gzip" });
      response.end(body);
    };
    const getJson = createKubeGetJson(kubeConfig({ token: "t0k3n" }, { server: `${url}/k8s/clusters/c-1/` }));
    const list = await getJson<{ metadata: { continue: string } }>(
      "/api/v1/pods",
      { labelSelector: "app in (a,b)", limit: 500, continue: undefined },
      LIST,
    );
    expect(list.metadata.continue).toBe("x");
    expect(seen.map((s) => s.path)).toEqual([
      "/k8s/clusters/c-1/api/v1/pods?labelSelector=app+in+%28a%2Cb%29&limit=500",
    ]);
    expect(seen[0]!.headers).toMatchObject({
      accept: "application/json",
      "accept-encoding": "gzip",
      authorization: "Bearer t0k3n",
      connection: "keep-alive",
    });
  });

  it("maps a Status answer to KubernetesApiError, and a body that is no Status to its text", async () => {
    handler = (request, response) => {
      if (request.url?.includes("forbidden")) {
        json(response, 403, {
          kind: "Status",
          reason: "Forbidden",
          message: "secrets is forbidden",
          code: 403,
        });
      } else {
        response.writeHead(502, { "Content-Type": "text/html" });
        response.end("<html>Bad Gateway</html>\n");
      }
    };
    const getJson = createKubeGetJson(kubeConfig({ token: "t" }));
    const request = { verb: "get", resource: "secrets", namespace: "default", name: "regcred" } as const;
    await expect(getJson("/api/v1/namespaces/default/secrets/forbidden", {}, request)).rejects.toMatchObject({
      name: "KubernetesApiError",
      status: 403,
      reason: "Forbidden",
      verb: "get",
      resource: "secrets",
      namespace: "default",
      objectName: "regcred",
      serverMessage: "secrets is forbidden",
    });
    const gateway = await getJson("/api/v1/namespaces/default/secrets/x", {}, request).catch(
      (e: unknown) => e,
    );
    expect(gateway).toBeInstanceOf(KubernetesApiError);
    expect(gateway).toMatchObject({
      status: 502,
      reason: "HTTP 502",
      serverMessage: "<html>Bad Gateway</html>",
    });
  });

  it("asks again after 429 and 5xx answers, waiting what Retry-After says, and gives up after three attempts", async () => {
    const arrived: number[] = [];
    const slept: number[] = [];
    const getJson = createKubeGetJson(kubeConfig({ token: "t" }), {
      retry: { sleep: async (ms) => void slept.push(ms), random: () => 0 },
    });
    handler = (_request, response) => {
      arrived.push(performance.now());
      const n = arrived.length;
      if (n === 1) {
        response.writeHead(503, { "Content-Type": "application/json", "Retry-After": "1" });
        response.end(
          JSON.stringify({ kind: "Status", code: 503, reason: "ServiceUnavailable", message: "restarting" }),
        );
      } else if (n === 2)
        json(response, 500, { kind: "Status", code: 500, message: "etcdserver: request timed out" });
      else json(response, 200, { kind: "PodList", items: [] });
    };
    expect(await getJson("/api/v1/pods", {}, LIST)).toEqual({ kind: "PodList", items: [] });
    expect(arrived).toHaveLength(3);
    // the server's Retry-After first, then the backoff of the second retry (500 ms, jitter 0: half)
    expect(slept).toEqual([1000, 250]);

    // a server that keeps failing: three attempts, then its last answer as the error
    arrived.length = 0;
    slept.length = 0;
    handler = (_request, response) => {
      arrived.push(performance.now());
      json(response, 503, {
        kind: "Status",
        code: 503,
        reason: "ServiceUnavailable",
        message: `no ${arrived.length}`,
      });
    };
    await expect(getJson("/api/v1/pods", {}, LIST)).rejects.toMatchObject({
      name: "KubernetesApiError",
      status: 503,
      serverMessage: "no 3",
    });
    expect(arrived).toHaveLength(3);

    // not worth asking again: 4xx but 429, 501; and a Retry-After beyond the policy's limit
    for (const [status, headers] of [
      [403, {}],
      [501, {}],
      [429, { "Retry-After": "3600" }],
    ] as const) {
      arrived.length = 0;
      handler = (_request, response) => {
        arrived.push(performance.now());
        response.writeHead(status, { "Content-Type": "application/json", ...headers });
        response.end(JSON.stringify({ kind: "Status", code: status, message: "no" }));
      };
      await expect(getJson("/api/v1/pods", {}, LIST)).rejects.toMatchObject({ status });
      expect(arrived, `HTTP ${status}`).toHaveLength(1);
    }
  });

  it("asks again when the connection drops mid-answer, and says the server cannot be reached after three tries", async () => {
    const body = JSON.stringify({ kind: "PodList", items: [{ metadata: { name: "a".repeat(5000) } }] });
    let drops = 1;
    let arrived = 0;
    handler = (_request, response) => {
      arrived++;
      response.writeHead(200, {
        "Content-Type": "application/json",
        "Content-Length": Buffer.byteLength(body),
      });
      if (drops-- > 0) {
        response.write(body.slice(0, 1000), () => response.socket?.destroy());
        return;
      }
      response.end(body);
    };
    const slept: number[] = [];
    const getJson = createKubeGetJson(kubeConfig({ token: "t" }), {
      retry: { sleep: async (ms) => void slept.push(ms) },
    });
    expect(await getJson("/api/v1/pods", {}, LIST)).toEqual(JSON.parse(body));
    expect(arrived).toBe(2);
    expect(slept).toHaveLength(1);

    drops = Number.POSITIVE_INFINITY;
    arrived = 0;
    const error = await getJson("/api/v1/pods", {}, LIST).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubernetesConnectionError);
    expect(arrived).toBe(3);
  });

  it("reports a success that is no JSON as a connection problem (no API server there)", async () => {
    handler = (_request, response) => {
      response.writeHead(200, { "Content-Type": "text/html" });
      response.end("<html>welcome</html>");
    };
    const error = await createKubeGetJson(kubeConfig({ token: "t" }))("/api/v1/pods", {}, LIST).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(KubernetesConnectionError);
    expect((error as Error).message).toMatch(
      /: the answer to list pods is not JSON \(.*\); is this an API server\?/,
    );
  });

  it("refuses plain http: without insecure-skip-tls-verify, as client-node does", async () => {
    const getJson = createKubeGetJson(kubeConfig({ token: "t" }, { skipTLSVerify: false }));
    const error = await getJson("/api/v1/pods", {}, LIST).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubernetesConnectionError);
    expect((error as Error).message).toContain(
      "HTTP protocol is not allowed when skipTLSVerify is not set or false",
    );
    expect(seen).toEqual([]);
  });

  it("runs an exec plugin once, and again only after a 401, retrying the request once", async () => {
    // The plugin hands out t1, t2, ... and counts its runs; no expirationTimestamp.
    const counter = join(dir, "runs");
    writeFileSync(counter, "0");
    const plugin = join(dir, "plugin.cjs");
    writeFileSync(
      plugin,
      `const fs = require("node:fs");
const n = Number(fs.readFileSync(${JSON.stringify(counter)}, "utf8")) + 1;
fs.writeFileSync(${JSON.stringify(counter)}, String(n));
process.stdout.write(JSON.stringify({ apiVersion: "client.authentication.k8s.io/v1", kind: "ExecCredential", status: { token: "t" + n } }));
`,
    );
    const runs = () => Number(readFileSync(counter, "utf8"));
    let accepted = "Bearer t2";
    handler = (request, response) => {
      if (request.headers.authorization === accepted) json(response, 200, { items: [] });
      else
        json(response, 401, { kind: "Status", reason: "Unauthorized", message: "Unauthorized", code: 401 });
    };
    const getJson = createKubeGetJson(
      kubeConfig({
        exec: { apiVersion: "client.authentication.k8s.io/v1", command: process.execPath, args: [plugin] },
      }),
    );
    await getJson("/api/v1/pods", {}, LIST);
    expect(runs()).toBe(2);
    expect(seen.map((s) => s.headers.authorization)).toEqual(["Bearer t1", "Bearer t2"]);

    await Promise.all(Array.from({ length: 5 }, () => getJson("/api/v1/pods", {}, LIST)));
    expect(runs()).toBe(2);

    // The token expires: a burst of 401s runs the plugin once.
    accepted = "Bearer t3";
    seen.length = 0;
    await Promise.all(Array.from({ length: 4 }, () => getJson("/api/v1/pods", {}, LIST)));
    expect(runs()).toBe(3);
    expect(seen.filter((s) => s.headers.authorization === "Bearer t3")).toHaveLength(4);
  });

  it("does not repeat a request whose static token is refused", async () => {
    handler = (_request, response) =>
      json(response, 401, { kind: "Status", reason: "Unauthorized", code: 401 });
    const getJson = createKubeGetJson(kubeConfig({ token: "nope" }));
    await expect(getJson("/api/v1/pods", {}, LIST)).rejects.toMatchObject({
      status: 401,
      reason: "Unauthorized",
    });
    expect(seen).toHaveLength(1);
  });

  it("sends a request again on a new connection when a kept-alive one turns out closed", async () => {
    handler = (request, response, socketRequests) => {
      // Every connection serves one request, then drops the next without an answer.
      if (socketRequests > 1) request.socket.destroy();
      else json(response, 200, { items: [] });
    };
    const getJson = createKubeGetJson(kubeConfig({ token: "t" }));
    for (let i = 0; i < 3; i++)
      await expect(getJson("/api/v1/pods", {}, LIST)).resolves.toEqual({ items: [] });
    expect(seen).toHaveLength(5);
  });

  it("gives up after the request timeout, and rejects with the signal's reason when cancelled", async () => {
    handler = () => {};
    const slow = createKubeGetJson(kubeConfig({ token: "t" }), { requestTimeoutMs: 200 });
    const error = await slow("/api/v1/pods", {}, LIST).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubernetesConnectionError);
    expect((error as Error).message).toContain(
      `Cannot reach the Kubernetes API server at ${url}: no answer within 0.2 s`,
    );

    const controller = new AbortController();
    const pending = createKubeGetJson(kubeConfig({ token: "t" }))(
      "/api/v1/pods",
      {},
      {
        ...LIST,
        signal: controller.signal,
      },
    );
    setTimeout(() => controller.abort(new Error("scan cancelled")), 50);
    await expect(pending).rejects.toThrow("scan cancelled");
  });
});
