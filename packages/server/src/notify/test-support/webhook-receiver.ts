/**
 * A webhook receiver on loopback for the notification tests: it records every request
 * (headers, raw body, time), verifies its signature with the webhook's secret the way a real
 * receiver should, de-duplicates by `X-Vigil-Delivery`, and answers as the test scripts it:
 * a status (with headers), or never (the connection is held until the test closes it).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type SignatureProblem, verifyWebhookSignature } from "../webhook-signature.js";

/** One request the receiver got. */
export interface ReceivedRequest {
  readonly path: string;
  readonly headers: IncomingMessage["headers"];
  readonly body: string;
  /** `Date.now()` when the body was read. */
  readonly at: number;
  /** The signature check with the secret registered for the path (undefined: it holds). */
  readonly signature: SignatureProblem | undefined;
  readonly deliveryId: string;
  readonly event: string;
}

/** How to answer one request. */
export type ReceiverAnswer = { readonly status: number; readonly headers?: Record<string, string> } | "hang";

/** A running receiver. */
export interface WebhookReceiver {
  /** `http://127.0.0.1:PORT<path>`. */
  url(path: string): string;
  /** Sets the secret the requests to `path` are verified with. */
  setSecret(path: string, secret: string): void;
  /** Answers of the next requests to `path`, in order; after them, 200. */
  script(path: string, ...answers: ReceiverAnswer[]): void;
  /** Every request to `path` (every path when absent), in arrival order. */
  requests(path?: string): ReceivedRequest[];
  /** Requests to `path` once per delivery id (what a de-duplicating receiver processes). */
  unique(path: string): ReceivedRequest[];
  /** Requests held open right now. */
  hanging(): number;
  /** Resolves when `path` has `count` requests (fails after `timeoutMs`). */
  waitFor(path: string, count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

/** Starts a receiver on 127.0.0.1 and a free port. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const secrets = new Map<string, string>();
  const scripts = new Map<string, ReceiverAnswer[]>();
  const received: ReceivedRequest[] = [];
  const held = new Set<ServerResponse>();
  let waiters: (() => void)[] = [];

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const path = req.url ?? "/";
      const body = Buffer.concat(chunks).toString("utf8");
      const secret = secrets.get(path);
      received.push({
        path,
        headers: req.headers,
        body,
        at: Date.now(),
        signature: secret
          ? verifyWebhookSignature({ secret, header: req.headers["x-vigil-signature"] as string, body })
          : "mismatch",
        deliveryId: String(req.headers["x-vigil-delivery"] ?? ""),
        event: String(req.headers["x-vigil-event"] ?? ""),
      });
      for (const wake of waiters.splice(0)) wake();
      const answer = scripts.get(path)?.shift() ?? { status: 200 };
      if (answer === "hang") {
        held.add(res);
        res.on("close", () => held.delete(res));
        return;
      }
      res.writeHead(answer.status, { "Content-Type": "text/plain", ...answer.headers });
      res.end(answer.status < 300 ? "ok" : "no");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  const requests = (path?: string) => received.filter((r) => path === undefined || r.path === path);
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    setSecret: (path, secret) => void secrets.set(path, secret),
    script: (path, ...answers) => void scripts.set(path, [...(scripts.get(path) ?? []), ...answers]),
    requests,
    unique(path) {
      const seen = new Set<string>();
      return requests(path).filter((r) => !seen.has(r.deliveryId) && seen.add(r.deliveryId));
    },
    hanging: () => held.size,
    async waitFor(path, count, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (requests(path).length < count) {
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new Error(
            `expected ${count} requests to ${path} within ${timeoutMs} ms, got ${requests(path).length}`,
          );
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, 200));
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return requests(path);
    },
    async close() {
      for (const res of held) res.destroy();
      waiters = [];
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
