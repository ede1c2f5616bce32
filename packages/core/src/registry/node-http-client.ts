import {
  type ClientRequest,
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
} from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { Socket } from "node:net";
import { Readable } from "node:stream";
import { createSecureContext, rootCertificates, type SecureContext } from "node:tls";
import {
  type HttpClient,
  type HttpRequest,
  type HttpResponse,
  HttpTimeoutError,
  type NodeHttpClientOptions,
} from "./http-client.js";

/**
 * The default {@link HttpClient}: `node:http` / `node:https` with one keep-alive agent per
 * protocol. It replaced undici as the default because loading undici costs ~70 ms per
 * process while the built-in modules are already in Node's snapshot. Blob throughput
 * (scripts/bench/http-client.mjs): clearly faster for a process's first read (nothing to
 * JIT-compile or instantiate), level once warm, where it spends a little more CPU because
 * node:http's parser copies every body chunk.
 *
 * What node:http does not give, it adds, with undici's semantics (so either client behaves
 * the same under registry-client.ts):
 * - a connect timeout that runs from socket assignment to `connect` / `secureConnect` (not
 *   while a request waits for a free socket), and a headers timeout from then on;
 * - a body idle timeout that runs only while the body is waiting for the network: when the
 *   consumer applies backpressure the socket is paused and the clock stops;
 * - both fail with {@link HttpTimeoutError}, whose codes retry-policy.ts retries;
 * - response headers keep repeated fields as arrays (node:http would join most with ", ").
 */

/** Buffered body bytes before the socket is paused: large enough that hashing never starves. */
const BODY_HIGH_WATER_MARK = 1 << 20;

/**
 * Idle keep-alive sockets are closed after this, before typical server idle timeouts (Go's
 * and nginx's are longer), so a reused socket is rarely one the server already closed.
 * undici uses the same 4 s default.
 */
const FREE_SOCKET_TIMEOUT_MS = 4_000;

interface Timeouts {
  readonly connectMs: number;
  readonly headersMs: number;
  readonly bodyMs: number;
}

/**
 * An {@link HttpClient} over `node:http` / `node:https` (see the module comment). Extra CA
 * certificates are added to Node's bundled roots, not put in their place.
 */
export function createNodeHttpClient(options: NodeHttpClientOptions = {}): HttpClient {
  const timeouts: Timeouts = {
    connectMs: options.connectTimeoutMs ?? 15_000,
    headersMs: options.headersTimeoutMs ?? 60_000,
    bodyMs: options.bodyTimeoutMs ?? 60_000,
  };
  const maxSockets = options.connectionsPerOrigin ?? 8;
  const userAgent = options.userAgent ?? "vigil";
  const extraCa = options.ca === undefined ? [] : Array.isArray(options.ca) ? options.ca : [options.ca];
  const agentOptions = {
    keepAlive: true,
    maxSockets,
    maxFreeSockets: maxSockets,
    timeout: FREE_SOCKET_TIMEOUT_MS,
    scheduling: "lifo" as const,
  };
  // Created on first use: a plain-HTTP (loopback) registry never builds a TLS context.
  let httpAgent: HttpAgent | undefined;
  let httpsAgent: HttpsAgent | undefined;
  let closed = false;

  function secureContext(): SecureContext | undefined {
    if (extraCa.length === 0) return undefined;
    // `ca` replaces Node's default roots, so keep them and add the extra ones. One context
    // for every connection: building it parses ~150 certificates.
    return createSecureContext({ ca: [...rootCertificates, ...(extraCa as (string | Buffer)[])] });
  }

  return {
    request(req: HttpRequest): Promise<HttpResponse> {
      if (closed) return Promise.reject(new Error("the HTTP client is closed"));
      let url: URL;
      try {
        url = new URL(req.url);
      } catch (error) {
        return Promise.reject(error);
      }
      if (url.protocol === "http:") {
        httpAgent ??= new HttpAgent(agentOptions);
        return send(url, req, httpAgent, false, userAgent, timeouts);
      }
      if (url.protocol === "https:") {
        if (!httpsAgent) {
          const context = secureContext();
          httpsAgent = new HttpsAgent({ ...agentOptions, ...(context ? { secureContext: context } : {}) });
        }
        return send(url, req, httpsAgent, true, userAgent, timeouts);
      }
      return Promise.reject(new Error(`unsupported URL scheme ${url.protocol} in ${req.url}`));
    },
    async close(): Promise<void> {
      closed = true;
      httpAgent?.destroy();
      httpsAgent?.destroy();
    },
  };
}

/** What undici rejects with on abort: the signal's reason, or an AbortError. */
function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("This operation was aborted", "AbortError");
}

/** Response headers with lowercase names; a repeated field becomes an array, as undici gives it. */
function responseHeaders(raw: readonly string[]): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = Object.create(null);
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    const previous = headers[name];
    if (previous === undefined) headers[name] = value;
    else if (Array.isArray(previous)) previous.push(value);
    else headers[name] = [previous, value];
  }
  return headers;
}

function send(
  url: URL,
  req: HttpRequest,
  agent: HttpAgent,
  tls: boolean,
  userAgent: string,
  timeouts: Timeouts,
): Promise<HttpResponse> {
  const { signal } = req;
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise<HttpResponse>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    let body: ResponseBody | undefined;
    const clearTimer = (): void => {
      if (timer) clearTimeout(timer);
      timer = undefined;
    };
    /** A timeout of 0 waits for ever, as with undici. */
    const armTimer = (phase: "connect" | "headers", ms: number): void => {
      if (ms > 0)
        timer = setTimeout(() => clientRequest.destroy(new HttpTimeoutError(phase, ms, url.origin)), ms);
    };
    const onAbort = (): void => {
      const reason = abortReason(signal!);
      if (body) body.destroy(reason as Error);
      else clientRequest.destroy(reason as Error);
    };
    const options = {
      agent,
      method: req.method ?? "GET",
      headers: { "user-agent": userAgent, ...req.headers },
      // Active requests get no socket idle timeout (ours are above); the agent's applies to
      // free sockets only.
      timeout: 0,
    };
    const clientRequest: ClientRequest = (tls ? httpsRequest : httpRequest)(url, options);

    clientRequest.once("socket", (socket: Socket) => {
      const connected = (): void => {
        clearTimer();
        armTimer("headers", timeouts.headersMs);
      };
      // A reused keep-alive socket is connected; a new one is not yet (this event comes a
      // tick after the agent created it).
      if (clientRequest.reusedSocket || (!tls && !socket.connecting)) {
        connected();
        return;
      }
      armTimer("connect", timeouts.connectMs);
      socket.once(tls ? "secureConnect" : "connect", connected);
    });

    clientRequest.once("response", (res: IncomingMessage) => {
      clearTimer();
      body = new ResponseBody(res, timeouts.bodyMs, url.origin);
      if (signal) body.once("close", () => signal.removeEventListener("abort", onAbort));
      resolve({ status: res.statusCode ?? 0, headers: responseHeaders(res.rawHeaders), body });
    });

    clientRequest.once("close", clearTimer);
    // Kept for the request's whole life: after the response, socket errors arrive here too
    // (node:http emits them on the request) and go to the body.
    clientRequest.on("error", (error: Error) => {
      clearTimer();
      if (body) {
        body.destroy(error);
        return;
      }
      signal?.removeEventListener("abort", onAbort);
      reject(error);
    });

    signal?.addEventListener("abort", onAbort, { once: true });
    clientRequest.end(req.body);
  });
}

/**
 * A response body with a large buffer and an idle timeout. It reads the IncomingMessage in
 * flowing mode and pauses it when its own buffer is full, which pauses the socket: memory
 * stays bounded at {@link BODY_HIGH_WATER_MARK} per response. The idle clock runs only
 * while the body waits for bytes from the network.
 */
class ResponseBody extends Readable {
  private timer: NodeJS.Timeout | undefined;
  private ended = false;

  constructor(
    private readonly res: IncomingMessage,
    private readonly idleMs: number,
    private readonly origin: string,
  ) {
    super({ highWaterMark: BODY_HIGH_WATER_MARK });
    res.on("data", (chunk: Buffer) => {
      this.timer?.refresh();
      if (!this.push(chunk)) {
        res.pause();
        this.stopTimer();
      }
    });
    res.once("end", () => {
      this.ended = true;
      this.stopTimer();
      this.push(null);
    });
    // node:http reports a connection lost mid-body as `aborted` with code ECONNRESET.
    res.on("error", (error: Error) => this.destroy(error));
    res.on("close", () => {
      if (!this.ended) this.destroy(prematureClose(origin));
    });
    this.startTimer();
  }

  override _read(): void {
    if (this.res.isPaused()) {
      this.res.resume();
      this.startTimer();
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.stopTimer();
    // An unfinished response cannot be reused: destroying it closes its socket.
    if (!this.ended) this.res.destroy();
    callback(error);
  }

  private startTimer(): void {
    if (this.idleMs <= 0 || this.ended || this.destroyed) return;
    this.stopTimer();
    this.timer = setTimeout(
      () => this.destroy(new HttpTimeoutError("body", this.idleMs, this.origin)),
      this.idleMs,
    );
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** A body that closed before its end: retryable, like a reset connection. */
function prematureClose(origin: string): Error {
  return Object.assign(new Error(`the connection to ${origin} closed before the response body ended`), {
    code: "ECONNRESET",
  });
}
