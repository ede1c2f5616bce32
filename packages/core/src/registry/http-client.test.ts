import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { type AddressInfo, createServer as createTcpServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { HttpClient, HttpClientOptions } from "./http-client.js";
import { createNodeHttpClient } from "./node-http-client.js";
import { isRetryableNetworkError } from "./retry-policy.js";
import { createUndiciHttpClient } from "./undici-http-client.js";

/**
 * The contract every built-in {@link HttpClient} meets, run against each: what
 * registry-client.ts relies on (status, lowercase headers, a streaming body with
 * backpressure, keep-alive within a bounded pool) and failures it can classify (timeouts
 * and dropped connections are retryable, an abort is the signal's reason).
 */

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface TestServer {
  readonly url: string;
  /** TCP connections accepted so far. */
  connections: number;
  close(): Promise<void>;
}

const servers: Server[] = [];
const clients: HttpClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close?.()));
  for (const s of servers.splice(0)) {
    (s as { closeAllConnections?: () => void }).closeAllConnections?.();
    s.close();
  }
});

async function listen(server: Server, scheme: string): Promise<TestServer> {
  servers.push(server);
  const state = { connections: 0 };
  server.on("connection", () => state.connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `${scheme}://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

const serve = (handler: Handler): Promise<TestServer> => listen(createHttpServer(handler), "http");

/** A TCP server that accepts connections and never says anything. */
async function silentTcp(): Promise<TestServer> {
  const sockets: Socket[] = [];
  const server = createTcpServer((s) => {
    sockets.push(s);
    s.on("error", () => {});
  });
  server.on("close", () => {
    for (const s of sockets) s.destroy();
  });
  return listen(server, "https");
}

async function text(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

const isAbort = (e: unknown): boolean => (e as Error)?.name === "AbortError";

let tls: { dir: string; key: Buffer; cert: Buffer } | undefined;
beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-http-client-"));
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-subj",
      "/CN=vigil-test-ca",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-days",
      "2",
      "-keyout",
      join(dir, "key.pem"),
      "-out",
      join(dir, "cert.pem"),
    ],
    { stdio: "ignore" },
  );
  tls = { dir, key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) };
});
afterAll(() => {
  if (tls) rmSync(tls.dir, { recursive: true, force: true });
});

const CLIENTS: [string, (options?: HttpClientOptions) => HttpClient][] = [
  ["node:http", createNodeHttpClient],
  ["undici", createUndiciHttpClient],
];

describe.each(CLIENTS)("HttpClient contract (%s)", (_, create) => {
  const client = (options?: HttpClientOptions): HttpClient => {
    const c = create(options);
    clients.push(c);
    return c;
  };

  it("sends method, headers and body; answers with status, lowercase headers (repeats as arrays) and body", async () => {
    let seen: { method?: string; headers?: IncomingMessage["headers"]; body?: string } = {};
    const server = await serve((req, res) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (c: string) => {
        body += c;
      });
      req.on("end", () => {
        seen = { method: req.method ?? "", headers: req.headers, body };
        res.writeHead(201, [
          ["Content-Type", "text/plain"],
          ["WWW-Authenticate", 'Bearer realm="a"'],
          ["WWW-Authenticate", 'Basic realm="b"'],
        ]);
        res.end("created");
      });
    });
    const c = client();
    const res = await c.request({
      url: `${server.url}/token`,
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=refresh_token",
    });
    expect(res.status).toBe(201);
    expect(res.headers["content-type"]).toBe("text/plain");
    expect(res.headers["www-authenticate"]).toEqual(['Bearer realm="a"', 'Basic realm="b"']);
    expect(await text(res.body)).toBe("created");
    expect(seen.method).toBe("POST");
    expect(seen.body).toBe("grant_type=refresh_token");
    expect(seen.headers?.["content-length"]).toBe("24");
    expect(seen.headers?.["user-agent"]).toBe("vigil");
    const head = await c.request({ url: `${server.url}/x`, method: "HEAD" });
    expect(head.status).toBe(201);
    expect(await text(head.body)).toBe("");
  });

  it("reuses connections and keeps at most connectionsPerOrigin of them", async () => {
    const server = await serve((_req, res) => {
      setTimeout(() => res.end("ok"), 20);
    });
    const c = client({ connectionsPerOrigin: 3 });
    const all = await Promise.all(
      Array.from({ length: 12 }, async () => text((await c.request({ url: `${server.url}/` })).body)),
    );
    expect(all.every((t) => t === "ok")).toBe(true);
    expect(server.connections).toBe(3);
    await text((await c.request({ url: `${server.url}/` })).body);
    expect(server.connections).toBe(3);
  });

  it("streams a large body with backpressure: a paused reader stops the sender", async () => {
    const total = 64 * 1024 * 1024;
    const chunk = Buffer.alloc(256 * 1024, 7);
    let written = 0;
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-length": String(total) });
      const pump = (): void => {
        while (written < total) {
          written += chunk.length;
          if (!res.write(chunk)) {
            res.once("drain", pump);
            return;
          }
        }
        res.end();
      };
      pump();
    });
    const res = await client().request({ url: `${server.url}/big` });
    const iterator = res.body[Symbol.asyncIterator]();
    await iterator.next();
    await new Promise((r) => setTimeout(r, 300));
    // Kernel socket buffers plus the client's own buffer; far below the 64 MiB on offer.
    expect(written).toBeLessThan(24 * 1024 * 1024);
    let received = ((await iterator.next()).value as Buffer).length;
    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      received += (next.value as Buffer).length;
    }
    expect(received).toBeGreaterThan(total - 2 * 1024 * 1024);
  });

  it("rejects with the abort reason before the request, while waiting for headers, and errors the body", async () => {
    let requests = 0;
    const server = await serve((req, res) => {
      requests++;
      if (req.url === "/never") return; // no answer
      res.writeHead(200, { "content-length": "1000000" });
      res.write(Buffer.alloc(1000));
    });
    const c = client();
    const before = new AbortController();
    before.abort();
    await expect(c.request({ url: `${server.url}/x`, signal: before.signal })).rejects.toSatisfy(isAbort);
    expect(requests).toBe(0);

    const waiting = new AbortController();
    const pending = c.request({ url: `${server.url}/never`, signal: waiting.signal });
    setTimeout(() => waiting.abort(), 50);
    await expect(pending).rejects.toSatisfy(isAbort);

    const reading = new AbortController();
    const res = await c.request({ url: `${server.url}/body`, signal: reading.signal });
    const iterator = res.body[Symbol.asyncIterator]();
    await iterator.next();
    reading.abort();
    const error = await (async () => {
      for (;;) if ((await iterator.next()).done) return undefined;
    })().catch((e: unknown) => e);
    expect(isAbort(error)).toBe(true);
  });

  it("times out connecting (TLS handshake never answered) with a retryable error", async () => {
    const server = await silentTcp();
    const started = Date.now();
    const error = await client({ connectTimeoutMs: 200 })
      .request({ url: `${server.url}/v2/` })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(isRetryableNetworkError(error)).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("times out waiting for headers with a retryable error", async () => {
    const server = await serve(() => {
      // never answers
    });
    const error = await client({ headersTimeoutMs: 200 })
      .request({ url: `${server.url}/v2/` })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(isRetryableNetworkError(error)).toBe(true);
  });

  it("errors a stalled body with a retryable timeout, and a dropped one with a retryable reset", async () => {
    const server = await serve((req, res) => {
      res.writeHead(200, { "content-length": "100000" });
      res.write(Buffer.alloc(10_000), () => {
        if (req.url === "/drop") setTimeout(() => res.socket?.destroy(), 10);
      });
    });
    const c = client({ bodyTimeoutMs: 200 });
    for (const path of ["/stall", "/drop"]) {
      const res = await c.request({ url: `${server.url}${path}` });
      const error = await text(res.body).catch((e: unknown) => e);
      expect(error, path).toBeInstanceOf(Error);
      expect(isRetryableNetworkError(error), `${path}: ${(error as Error).message}`).toBe(true);
    }
  });

  it("does not time out a body whose reader is slow (the clock stops under backpressure)", async () => {
    const total = 16 * 1024 * 1024;
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-length": String(total) });
      res.end(Buffer.alloc(total, 1));
    });
    const res = await client({ bodyTimeoutMs: 150 }).request({ url: `${server.url}/slow-reader` });
    const iterator = res.body[Symbol.asyncIterator]();
    let received = ((await iterator.next()).value as Buffer).length;
    await new Promise((r) => setTimeout(r, 600));
    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      received += (next.value as Buffer).length;
    }
    expect(received).toBe(total);
  });

  it("trusts extra CA certificates for TLS; without them the certificate is rejected (not retryable)", async () => {
    const server = await listen(
      createHttpsServer({ key: tls!.key, cert: tls!.cert }, (_req, res) => res.end("secure")),
      "https",
    );
    const trusted = await client({ ca: [tls!.cert] }).request({ url: `${server.url}/v2/` });
    expect(await text(trusted.body)).toBe("secure");
    const error = await client()
      .request({ url: `${server.url}/v2/` })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(`${(error as { code?: string }).code} ${(error as Error).message}`).toMatch(/certificate|CERT/i);
    expect(isRetryableNetworkError(error)).toBe(false);
  });

  it("rejects requests after close()", async () => {
    const server = await serve((_req, res) => res.end("ok"));
    const c = create();
    expect(await text((await c.request({ url: `${server.url}/` })).body)).toBe("ok");
    await c.close?.();
    await expect(c.request({ url: `${server.url}/` })).rejects.toBeInstanceOf(Error);
  });
});
