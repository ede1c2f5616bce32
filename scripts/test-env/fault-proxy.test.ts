import { createHash } from "node:crypto";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testEnv } from "./env.js";
import { readExpectedImage } from "./expected.js";
import {
  alteredBody,
  kubeStatus,
  latency,
  type RunningFaultProxy,
  resetMidBody,
  startFaultProxy,
  statusAnswer,
  tooManyRequests,
  truncatedBody,
} from "./fault-proxy.js";
import { httpRequest } from "./http-request.js";
import { startKubeApiServer } from "./kube-api/kube-api-server.js";
import { ensureTestTls } from "./registry.js";

// The fault proxy in front of the real test registry: each fault kind does what it says to a
// real blob, rules count and heal, and rules change while the proxy runs.
const env = testEnv();
const image = readExpectedImage(env, "alpine-3.10");
const layer = image.layers[0]!;
const blobPath = `/v2/vigil/alpine-3.10/blobs/${layer.digest}`;
const manifestPath = "/v2/vigil/alpine-3.10/manifests/latest";

/** A GET that reports what arrived, also when the connection breaks. */
function get(
  url: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer; error?: string }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let status = 0;
    let headers: Record<string, unknown> = {};
    const done = (error?: Error) =>
      resolve({
        status,
        headers,
        body: Buffer.concat(chunks),
        ...(error ? { error: `${(error as { code?: string }).code ?? ""} ${error.message}` } : {}),
      });
    const req = request(url, { agent: false, headers: { accept: image.mediaType } }, (res) => {
      status = res.statusCode ?? 0;
      headers = res.headers;
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", done);
      res.on("end", () => (res.complete ? done() : done(new Error("incomplete"))));
    });
    req.on("error", done);
    req.end();
  });
}

const sha256 = (data: Buffer) => `sha256:${createHash("sha256").update(data).digest("hex")}`;

describe("fault proxy", () => {
  let proxy: RunningFaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy({ upstream: `http://${env.registry}` });
  });
  afterAll(() => proxy.close());

  it("passes requests through unchanged without rules", async () => {
    const blob = await get(`${proxy.url}${blobPath}`);
    expect(blob.status).toBe(200);
    expect(sha256(blob.body)).toBe(layer.digest);
    expect(proxy.injected).toEqual([]);
  });

  it("injects a status the first N times a rule matches, then heals; counts matches and injections", async () => {
    proxy.setRules([
      { name: "manifest 503", method: "GET", path: /\/manifests\//, times: 2, fault: statusAnswer(503) },
    ]);
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push((await get(`${proxy.url}${manifestPath}`)).status);
    expect(answers).toEqual([503, 503, 200]);
    // another method and another path do not match
    expect((await get(`${proxy.url}${blobPath}`)).status).toBe(200);
    expect(
      proxy.rules().map(({ name, matched, injected, matchedAt }) => ({
        name,
        matched,
        injected,
        times: matchedAt.length,
      })),
    ).toEqual([{ name: "manifest 503", matched: 3, injected: 2, times: 3 }]);
    expect(proxy.injected.slice(-2).map((f) => [f.rule, f.kind, f.target])).toEqual([
      ["manifest 503", "503", manifestPath],
      ["manifest 503", "503", manifestPath],
    ]);
  });

  it("answers 429 with Retry-After", async () => {
    proxy.setRules([{ path: /\/blobs\//, fault: tooManyRequests(7) }]);
    const answer = await get(`${proxy.url}${blobPath}`);
    expect(answer.status).toBe(429);
    expect(answer.headers["retry-after"]).toBe("7");
    expect(proxy.rules()[0]!.name).toBe("* \\/blobs\\/ 429 Retry-After 7");
  });

  it("delays a request by the latency given", async () => {
    proxy.setRules([{ path: /\/manifests\//, fault: latency(300) }]);
    const started = performance.now();
    const answer = await get(`${proxy.url}${manifestPath}`);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(sha256(answer.body)).toBe(image.manifestDigest);
  });

  it("resets the connection after K bytes of a blob", async () => {
    proxy.setRules([{ path: /\/blobs\//, times: 1, fault: resetMidBody(1024) }]);
    const broken = await get(`${proxy.url}${blobPath}`);
    expect(broken.status).toBe(200);
    expect(broken.headers["content-length"]).toBe(String(layer.size));
    expect(broken.body.length).toBeLessThanOrEqual(1024);
    expect(broken.error).toMatch(/ECONNRESET|aborted|incomplete/);
    // the rule was for one request only
    expect(sha256((await get(`${proxy.url}${blobPath}`)).body)).toBe(layer.digest);
  });

  it("truncates a body: Content-Length kept, connection closed early", async () => {
    proxy.setRules([{ path: /\/blobs\//, fault: truncatedBody(2000) }]);
    const cut = await get(`${proxy.url}${blobPath}`);
    expect(cut.headers["content-length"]).toBe(String(layer.size));
    expect(cut.body.length).toBe(2000);
    expect(cut.body).toEqual((await get(`http://${env.registry}${blobPath}`)).body.subarray(0, 2000));
    expect(cut.error).toBeDefined();
  });

  it("alters one byte of a blob: same length, another digest", async () => {
    proxy.setRules([{ path: /\/blobs\//, fault: alteredBody() }]);
    const altered = await get(`${proxy.url}${blobPath}`);
    expect(altered.error).toBeUndefined();
    expect(altered.body.length).toBe(layer.size);
    expect(sha256(altered.body)).not.toBe(layer.digest);
    const original = (await get(`http://${env.registry}${blobPath}`)).body;
    const differing = [...altered.body].filter((byte, i) => byte !== original[i]);
    expect(differing).toHaveLength(1);
    // rules replaced while running: back to clean answers
    proxy.setRules([]);
    expect(sha256((await get(`${proxy.url}${blobPath}`)).body)).toBe(layer.digest);
  });
});

describe("fault proxy over TLS", () => {
  it("serves HTTPS in front of an HTTPS upstream (the test API server) and injects a Kubernetes Status", async () => {
    const api = await startKubeApiServer();
    const tls = await ensureTestTls();
    const proxy = await startFaultProxy({ upstream: api.url, upstreamCaFile: api.caFile!, tls });
    try {
      expect(proxy.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const auth = { caFile: tls.caFile, headers: { authorization: `Bearer ${api.token}` } };
      const version = await httpRequest(`${proxy.url}/version`, auth);
      expect(version.status).toBe(200);
      expect(JSON.parse(version.body.toString("utf8"))).toMatchObject({ major: "1" });
      proxy.setRules([
        { path: /^\/api\/v1\/pods/, fault: kubeStatus(503, "ServiceUnavailable", "try later") },
      ]);
      const refused = await httpRequest(`${proxy.url}/api/v1/pods`, auth);
      expect(refused.status).toBe(503);
      expect(JSON.parse(refused.body.toString("utf8"))).toMatchObject({
        kind: "Status",
        reason: "ServiceUnavailable",
        message: "try later",
        code: 503,
      });
      // the upstream saw the version request only
      expect(api.requests.map((r) => r.path)).toEqual(["/version"]);
    } finally {
      await proxy.close();
      await api.close();
    }
  });
});
