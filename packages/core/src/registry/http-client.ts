import type { Readable } from "node:stream";
import { rootCertificates } from "node:tls";
import { Agent, request } from "undici";

/**
 * The HTTP interface the registry code depends on. It is deliberately small (one request,
 * one response with a streaming body) so tests and the server can inject another
 * implementation; {@link createUndiciHttpClient} is the default. Retries, redirects and
 * auth live above it (see registry-client.ts), not in it.
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

/** Options of {@link createUndiciHttpClient}. */
export interface UndiciHttpClientOptions {
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

/** The first value of a header, or undefined. */
export function headerValue(
  headers: Readonly<Record<string, string | readonly string[] | undefined>>,
  name: string,
): string | undefined {
  const v = headers[name.toLowerCase()];
  return typeof v === "string" ? v : v?.[0];
}

/**
 * An {@link HttpClient} over an undici `Agent` (keep-alive pool per origin). undici's
 * `request` is used rather than `fetch`: it is measurably faster for large blobs and takes a
 * custom CA through `connect.ca`.
 */
export function createUndiciHttpClient(options: UndiciHttpClientOptions = {}): HttpClient {
  const extra = options.ca === undefined ? [] : Array.isArray(options.ca) ? options.ca : [options.ca];
  const agent = new Agent({
    connect: {
      timeout: options.connectTimeoutMs ?? 15_000,
      // Setting `ca` replaces Node's default roots, so keep them and add the extra ones.
      ...(extra.length > 0 ? { ca: [...rootCertificates, ...(extra as (string | Buffer)[])] } : {}),
    },
    headersTimeout: options.headersTimeoutMs ?? 60_000,
    bodyTimeout: options.bodyTimeoutMs ?? 60_000,
    connections: options.connectionsPerOrigin ?? 8,
  });
  const userAgent = options.userAgent ?? "vigil";
  return {
    async request(req: HttpRequest): Promise<HttpResponse> {
      const res = await request(req.url, {
        dispatcher: agent,
        method: req.method ?? "GET",
        headers: { "user-agent": userAgent, ...req.headers },
        ...(req.body !== undefined ? { body: req.body } : {}),
        ...(req.signal ? { signal: req.signal } : {}),
      });
      return { status: res.statusCode, headers: res.headers, body: res.body };
    },
    async close(): Promise<void> {
      await agent.close();
    },
  };
}
