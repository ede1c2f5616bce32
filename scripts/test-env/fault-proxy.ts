import { readFileSync } from "node:fs";
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer, Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";
import type { FaultExchange } from "./fault-proxy/fault.js";
import { type ActiveRule, activateRules, type FaultRule, takeRule } from "./fault-proxy/fault-rule.js";

export { alteredBody } from "./fault-proxy/altered-body.js";
export type { Fault, FaultExchange } from "./fault-proxy/fault.js";
export type { ActiveRule, FaultRule } from "./fault-proxy/fault-rule.js";
export { latency } from "./fault-proxy/latency.js";
export { resetMidBody } from "./fault-proxy/reset-mid-body.js";
export { kubeStatus, statusAnswer, tooManyRequests } from "./fault-proxy/status-answer.js";
export { truncatedBody } from "./fault-proxy/truncated-body.js";

/**
 * A loopback HTTP proxy for fault tests: it stands in front of one server (the test registry,
 * the test Kubernetes API server) and forwards every
 * request, except those a {@link FaultRule} matches, which get that rule's fault (latency, a
 * status, a reset or truncated body, altered bytes). Rules can be replaced while it runs and
 * it counts what it injected, so a test can tell that its fault really happened.
 */

/** One injected fault, in order. */
export interface InjectedFault {
  readonly rule: string;
  readonly kind: string;
  readonly method: string;
  readonly target: string;
}

/** A running fault proxy. */
export interface RunningFaultProxy {
  /** `127.0.0.1:PORT`, to put where the upstream's host was (an image reference, a kubeconfig). */
  readonly host: string;
  /** `http://127.0.0.1:PORT`, or `https://` with `tls`. */
  readonly url: string;
  /** Requests handled so far (faulty or not). */
  readonly requests: number;
  /** Every fault injected so far, in order. */
  readonly injected: readonly InjectedFault[];
  /** Replaces the rules (counts start again at zero); `[]` lets everything through. */
  setRules(rules: readonly FaultRule[]): void;
  /** The current rules with how often each matched and was injected. */
  rules(): readonly Readonly<ActiveRule>[];
  close(): Promise<void>;
}

/** Options of {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /** `http://host:port` or `https://host:port` of the server behind the proxy. */
  readonly upstream: string;
  /** PEM CA file to trust for an https upstream (the test CA). */
  readonly upstreamCaFile?: string;
  /**
   * Serve HTTPS with this certificate (`ensureTestTls()` of ./registry.ts): clients that send
   * credentials only over TLS (a kubeconfig with a bearer token) can then use the proxy.
   */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
  readonly rules?: readonly FaultRule[];
}

/** Starts a fault proxy on a free loopback port. */
export async function startFaultProxy(options: FaultProxyOptions): Promise<RunningFaultProxy> {
  const upstream = new URL(options.upstream);
  const secure = upstream.protocol === "https:";
  // keep-alive upstream, like a real proxy; destroyed on close so no socket outlives the test
  const agent = secure
    ? new HttpsAgent({
        keepAlive: true,
        ...(options.upstreamCaFile ? { ca: readFileSync(options.upstreamCaFile) } : {}),
      })
    : new Agent({ keepAlive: true });
  let active = activateRules(options.rules ?? []);
  const injected: InjectedFault[] = [];
  let requests = 0;

  const forward = (request: IncomingMessage): Promise<IncomingMessage> =>
    new Promise((resolve, reject) => {
      const outgoing = (secure ? httpsRequest : httpRequest)(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: request.method,
          path: request.url,
          headers: { ...request.headers, host: upstream.host },
          agent,
        },
        resolve,
      );
      outgoing.on("error", reject);
      request.pipe(outgoing);
    });

  const pass = (response: ServerResponse) => (answer: IncomingMessage) => {
    response.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.headers);
    answer.pipe(response);
    // a client that goes away must not leave the upstream answer half-read on a pooled socket
    response.on("close", () => {
      if (!answer.complete) answer.destroy();
    });
  };

  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    requests++;
    const method = request.method ?? "GET";
    const target = request.url ?? "/";
    const chosen = takeRule(active, method, target);
    const exchange: FaultExchange = {
      request,
      response,
      forward: () => forward(request),
      pass: pass(response),
    };
    if (chosen) injected.push({ rule: chosen.name, kind: chosen.rule.fault.kind, method, target });
    const work = chosen ? chosen.rule.fault.apply(exchange) : exchange.forward().then(exchange.pass);
    work.catch(() => {
      // the upstream is gone or the client left: a proxy can only drop the connection
      if (!response.headersSent) {
        response.writeHead(502, { "Content-Type": "text/plain" });
        response.end("fault proxy: upstream unreachable\n");
      } else response.destroy();
    });
  };

  const server: Server = options.tls
    ? createHttpsServer(
        { cert: readFileSync(options.tls.certFile), key: readFileSync(options.tls.keyFile) },
        handle,
      )
    : createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  let closing: Promise<void> | undefined;
  return {
    host,
    url: `${options.tls ? "https" : "http"}://${host}`,
    get requests() {
      return requests;
    },
    injected,
    setRules(rules) {
      active = activateRules(rules);
    },
    rules: () => active,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      });
      return closing;
    },
  };
}
