import type { IncomingHttpHeaders } from "node:http";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { promisify } from "node:util";
import { brotliDecompress, gunzip, inflate } from "node:zlib";
import { ApiException, type KubeConfig } from "@kubernetes/client-node";
import {
  backoffDelay,
  createRetryPolicy,
  isRetryableNetworkError,
  isRetryableStatus,
  KubernetesConnectionError,
  parseRetryAfter,
  type RetryPolicy,
} from "@vigil/core";
import { KubeConfigError } from "./kube-config.js";
import { createKubeCredentialSource, type KubeCredentials } from "./kube-credentials.js";
import { type KubernetesRequestInfo, toKubernetesApiError } from "./to-kubernetes-api-error.js";

/**
 * GET requests to the Kubernetes API with `node:http`/`node:https`, answered as parsed JSON:
 * the transport of the discovery reader, and of any other reader of plain API paths. It
 * replaces client-node 1.4's generated APIs, which pay per request for a new agent (a new TLS
 * connection and handshake) and for `ObjectSerializer` turning JSON into class instances
 * (profile of `vigil scan cluster`, scripts/bench/cluster-scan.mjs). Credentials and the one
 * keep-alive agent come from kube-credentials.ts.
 *
 * An answer that says "try again" (429, and 5xx but 501 and 505: an API server restarting or
 * behind a load balancer during an upgrade, etcd timing out, API Priority and Fairness
 * throttling), and a connection refused or dropped mid-answer, are asked again, as the
 * registry client does: every request here is a GET. The
 * server's `Retry-After` replaces the backoff, as client-go honours it; a wait longer than the
 * policy allows, or past the request's time limit, ends the retries with that answer.
 *
 * Errors are those of core's `KubernetesReader`: an error status is a `KubernetesApiError`
 * with the `Status` the server sent; no answer (refused, TLS, DNS, timeout, a body that is no
 * JSON) a `KubernetesConnectionError`; cancellation rejects with the signal's reason.
 */

/** Options of {@link createKubeGetJson}. */
export interface KubeGetJsonOptions {
  /** How long one request may take, credentials, a 401 retry and 429/5xx retries included; default 30 s. */
  readonly requestTimeoutMs?: number;
  /** Connections to the API server at most, all kept alive; default 8. */
  readonly maxSockets?: number;
  /** Retries of 429 and 5xx answers and dropped connections; default {@link DEFAULT_KUBE_RETRY_POLICY}. */
  readonly retry?: Partial<RetryPolicy>;
}

/**
 * Three attempts in all, 250 ms then 500 ms apart (with jitter), or what `Retry-After` says up
 * to 10 s: enough to ride over an API server's restart behind its load balancer, short enough
 * that a failing server fails a scan in about a second per request, not minutes.
 */
export const DEFAULT_KUBE_RETRY_POLICY: RetryPolicy = createRetryPolicy({
  maxAttempts: 3,
  maxRetryAfterMs: 10_000,
});

/** Query parameters; `undefined` ones are left out, an empty string is sent. */
export type KubeQuery = Readonly<Record<string, string | number | boolean | undefined>>;

/** What a GET is for its errors (verb, RBAC resource, namespace, name), and its signal. */
export interface KubeGetRequest extends KubernetesRequestInfo {
  readonly signal?: AbortSignal;
}

/**
 * GET `path` (e.g. `/api/v1/namespaces/default/pods`, relative to the cluster's server URL,
 * whose own path prefix is kept) with `query`, and parse the JSON answer. The result is the
 * server's JSON as is, typed by the caller and not checked.
 */
export type KubeGetJson = <T>(path: string, query: KubeQuery, request: KubeGetRequest) => Promise<T>;

/** The status and body of an answer. */
interface Answer {
  readonly status: number;
  readonly statusMessage: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** Socket errors after which a GET on a reused keep-alive socket is sent once more. */
const STALE_SOCKET_CODES = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED"]);

const decompress: Readonly<Record<string, (body: Buffer) => Promise<Buffer>>> = {
  gzip: promisify(gunzip),
  deflate: promisify(inflate),
  br: promisify(brotliDecompress),
};

function describeCause(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" && !error.message.includes(code)
      ? `${error.message} (${code})`
      : error.message;
  }
  return String(error);
}

function queryString(query: KubeQuery): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
  const text = params.toString();
  return text === "" ? "" : `?${text}`;
}

function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}

/** One exchange; a reused socket the server had closed meanwhile gets one more try on a new one. */
function send(
  url: URL,
  credentials: KubeCredentials,
  signal: AbortSignal,
  retryStale = true,
): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const request = (url.protocol === "http:" ? httpRequest : httpsRequest)(
      url,
      {
        method: "GET",
        agent: credentials.agent,
        headers: {
          ...credentials.headers,
          Accept: "application/json",
          // What client-go and node-fetch ask for: the API server compresses large lists.
          "Accept-Encoding": "gzip",
          "User-Agent": "vigil",
        },
        signal,
        // The agent's idle timeout applies to free sockets only; the caller times the request.
        timeout: 0,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", reject);
        response.on("close", () => {
          if (!response.complete) {
            // coded like Node's own "aborted", so that the request is asked again
            const error: NodeJS.ErrnoException = new Error(
              "the connection closed before the answer was complete",
            );
            error.code = "ECONNRESET";
            reject(error);
          }
        });
        response.on("end", () => {
          const raw = Buffer.concat(chunks);
          const encoding = response.headers["content-encoding"]?.trim().toLowerCase();
          const decode = encoding && encoding !== "identity" ? decompress[encoding] : undefined;
          if (encoding && encoding !== "identity" && !decode) {
            reject(new Error(`the answer has an unknown content-encoding "${encoding}"`));
            return;
          }
          (decode ? decode(raw) : Promise.resolve(raw)).then(
            (body) =>
              resolve({
                status: response.statusCode ?? 0,
                statusMessage: response.statusMessage ?? "",
                headers: response.headers,
                body: body.toString("utf8"),
              }),
            reject,
          );
        });
      },
    );
    request.on("error", (error: NodeJS.ErrnoException) => {
      if (retryStale && request.reusedSocket && STALE_SOCKET_CODES.has(error.code ?? "") && !signal.aborted) {
        resolve(send(url, credentials, signal, false));
        return;
      }
      reject(error);
    });
    request.end();
  });
}

/**
 * The GET transport for a kubeconfig whose context is selected; every request of it shares one
 * keep-alive agent. Throws {@link KubeConfigError} when the context has no cluster.
 */
export function createKubeGetJson(kubeConfig: KubeConfig, options: KubeGetJsonOptions = {}): KubeGetJson {
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const retry: RetryPolicy = { ...DEFAULT_KUBE_RETRY_POLICY, ...options.retry };
  const server = kubeConfig.getCurrentCluster()?.server;
  if (!server) {
    throw new KubeConfigError(
      `The kubeconfig context "${kubeConfig.getCurrentContext()}" names no cluster with a server.`,
    );
  }
  // The server URL may carry a path (Rancher's /k8s/clusters/<id>); API paths go after it.
  const base = server.replace(/\/+$/, "");
  const credentials = createKubeCredentialSource(kubeConfig, { maxSockets: options.maxSockets ?? 8 });

  /** Send with the current credentials; after a 401, once more if a refresh changed them. */
  async function exchange(url: URL, signal: AbortSignal): Promise<Answer> {
    const used = await credentials.current();
    signal.throwIfAborted();
    const answer = await send(url, used, signal);
    if (answer.status !== 401) return answer;
    const fresh = await credentials.refresh(used);
    signal.throwIfAborted();
    return fresh.fingerprint === used.fingerprint ? answer : send(url, fresh, signal);
  }

  /**
   * {@link exchange}, again after a 429 or 5xx, or a connection that was refused or dropped
   * before the whole answer arrived (every request here is a GET, safe to send twice), while
   * the policy and the time limit allow.
   */
  async function exchangeWithRetries(url: URL, signal: AbortSignal, deadline: number): Promise<Answer> {
    for (let attempt = 1; ; attempt++) {
      let answer: Answer;
      try {
        answer = await exchange(url, signal);
      } catch (error) {
        if (signal.aborted || attempt >= retry.maxAttempts || !isRetryableNetworkError(error)) throw error;
        const wait = backoffDelay(attempt, retry);
        if (Date.now() + wait >= deadline) throw error;
        await retry.sleep(wait, signal);
        continue;
      }
      if (attempt >= retry.maxAttempts || !isRetryableStatus(answer.status)) return answer;
      const header = answer.headers["retry-after"];
      const retryAfter = parseRetryAfter(Array.isArray(header) ? header[0] : header, retry.now());
      if (retryAfter !== undefined && retryAfter > retry.maxRetryAfterMs) return answer;
      const wait = retryAfter ?? backoffDelay(attempt, retry);
      // a wait that would end past the time limit only turns the server's answer into a timeout
      if (Date.now() + wait >= deadline) return answer;
      await retry.sleep(wait, signal);
    }
  }

  return async function kubeGetJson<T>(path: string, query: KubeQuery, request: KubeGetRequest): Promise<T> {
    const { signal } = request;
    signal?.throwIfAborted();
    const url = new URL(`${base}${path}${queryString(query)}`);
    const deadline = Date.now() + timeoutMs;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error(`no answer within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    timer.unref();
    const onAbort = (): void => controller.abort(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    let answer: Answer;
    try {
      answer = await exchangeWithRetries(url, controller.signal, deadline);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (timedOut) {
        throw new KubernetesConnectionError(server, `no answer within ${timeoutMs / 1000} s`, {
          cause: error,
        });
      }
      throw new KubernetesConnectionError(server, describeCause(error), { cause: error });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
    if (answer.status < 200 || answer.status > 299) {
      const error = new ApiException(
        answer.status,
        answer.statusMessage,
        answer.body,
        flatHeaders(answer.headers),
      );
      throw toKubernetesApiError(error, request);
    }
    try {
      return JSON.parse(answer.body) as T;
    } catch (error) {
      throw new KubernetesConnectionError(
        server,
        `the answer to ${request.verb} ${request.resource} is not JSON (${describeCause(error)}); is this an API server?`,
        { cause: error },
      );
    }
  };
}
