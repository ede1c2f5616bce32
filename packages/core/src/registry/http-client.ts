import type { Readable } from "node:stream";

/**
 * The HTTP interface the registry code depends on. It is deliberately small (one request,
 * one response with a streaming body) so tests and the server can inject another
 * implementation; {@link createNodeHttpClient} (over `node:http`/`node:https`) is the
 * default and {@link createUndiciHttpClient} the alternative. Retries, redirects and auth
 * live above it (see registry-client.ts), not in it.
 */

/** One HTTP request. */
export interface HttpRequest {
  readonly url: string;
  readonly method?: "GET" | "HEAD" | "POST";
  /** Header names in lowercase. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly signal?: AbortSignal;
}

/** One HTTP response. The body must be read to its end or destroyed. */
export interface HttpResponse {
  readonly status: number;
  /** Header names in lowercase. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body: Readable;
}

/** Sends HTTP requests. It follows no redirects and retries nothing. */
export interface HttpClient {
  request(request: HttpRequest): Promise<HttpResponse>;
  /** Close pooled connections. */
  close?(): Promise<void>;
}

/** Options of the built-in clients ({@link createNodeHttpClient}, {@link createUndiciHttpClient}). */
export interface HttpClientOptions {
  /**
   * Extra CA certificates (PEM) trusted in addition to Node's bundled roots, e.g. a private
   * registry's CA.
   */
  readonly ca?: string | Buffer | readonly (string | Buffer)[];
  /** TCP + TLS connect timeout; default 15 s. */
  readonly connectTimeoutMs?: number;
  /** Time to wait for response headers; default 60 s. */
  readonly headersTimeoutMs?: number;
  /** Longest pause between two body chunks; default 60 s. */
  readonly bodyTimeoutMs?: number;
  /** Connections per origin; default 8. */
  readonly connectionsPerOrigin?: number;
  /** User-Agent header; default `vigil`. */
  readonly userAgent?: string;
}

/** Options of {@link createUndiciHttpClient}. */
export type UndiciHttpClientOptions = HttpClientOptions;

/** Options of {@link createNodeHttpClient}. */
export type NodeHttpClientOptions = HttpClientOptions;

/** The `code` of each {@link HttpTimeoutError} phase; retry-policy.ts retries all three. */
export const HTTP_TIMEOUT_CODES = {
  connect: "VIGIL_HTTP_CONNECT_TIMEOUT",
  headers: "VIGIL_HTTP_HEADERS_TIMEOUT",
  body: "VIGIL_HTTP_BODY_TIMEOUT",
} as const;

/** Which wait of a request ran out. */
export type HttpTimeoutPhase = keyof typeof HTTP_TIMEOUT_CODES;

/**
 * A connect, headers or body-idle timeout of {@link createNodeHttpClient}. Its `code` plays
 * the part of undici's `UND_ERR_*_TIMEOUT` codes, so the retry layer treats both clients'
 * timeouts alike.
 */
export class HttpTimeoutError extends Error {
  readonly code: (typeof HTTP_TIMEOUT_CODES)[HttpTimeoutPhase];

  constructor(
    readonly phase: HttpTimeoutPhase,
    readonly timeoutMs: number,
    readonly origin: string,
    options?: { readonly cause?: unknown },
  ) {
    super(
      phase === "connect"
        ? `connecting to ${origin} timed out after ${timeoutMs} ms`
        : phase === "headers"
          ? `${origin} sent no response headers within ${timeoutMs} ms`
          : `the response body from ${origin} stalled for more than ${timeoutMs} ms`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = "HttpTimeoutError";
    this.code = HTTP_TIMEOUT_CODES[phase];
  }
}

/** The first value of a header, or undefined. */
export function headerValue(
  headers: Readonly<Record<string, string | readonly string[] | undefined>>,
  name: string,
): string | undefined {
  const v = headers[name.toLowerCase()];
  return typeof v === "string" ? v : v?.[0];
}
