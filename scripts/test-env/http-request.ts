import { readFileSync } from "node:fs";
import { type IncomingHttpHeaders, request as plainRequest } from "node:http";
import { request as tlsRequest } from "node:https";

/** User name and password for HTTP basic authentication. */
export interface BasicAuth {
  readonly user: string;
  readonly password: string;
}

/** Options of {@link httpRequest}. */
export interface HttpRequestOptions {
  /** PEM file with the CA to trust for an https URL (the test registry's self-signed CA). */
  readonly caFile?: string;
  /** Sent as an `Authorization: Basic` header. */
  readonly basicAuth?: BasicAuth;
  /** Extra request headers, e.g. `Accept` for a manifest. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Gives up after this many milliseconds (default 10 000). */
  readonly timeoutMs?: number;
  /** HTTP method (default `GET`); no request body is sent. */
  readonly method?: "GET" | "HEAD" | "DELETE";
}

/** A fully read response of {@link httpRequest}. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * A small HTTP client for the test environment itself: readiness probes and checks of the test
 * registries. It uses node:http(s) rather than fetch because fetch cannot be given a CA per
 * request, and the registries' CA must not be trusted process-wide (that would hide bugs in the
 * scanner's own CA handling). No keep-alive: an idle pooled socket would keep a worker alive.
 */
export function httpRequest(url: string, options: HttpRequestOptions = {}): Promise<HttpResponse> {
  const target = new URL(url);
  const headers: Record<string, string> = { connection: "close", ...options.headers };
  if (options.basicAuth) {
    const token = Buffer.from(`${options.basicAuth.user}:${options.basicAuth.password}`).toString("base64");
    headers.authorization = `Basic ${token}`;
  }
  const ca = options.caFile ? readFileSync(options.caFile) : undefined;
  const request = target.protocol === "https:" ? tlsRequest : plainRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      { method: options.method ?? "GET", headers, ca, timeout: options.timeoutMs ?? 10_000, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${options.method ?? "GET"} ${url} timed out`)));
    req.on("error", reject);
    req.end();
  });
}
