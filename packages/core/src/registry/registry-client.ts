import type { RegistryCredentials } from "./docker-config.js";
import {
  ImageSourceAbortedError,
  RegistryAuthError,
  RegistryConnectionError,
  RegistryErrorBody,
  RegistryNotFoundError,
  RegistryResponseError,
} from "./errors.js";
import type { HttpClient, HttpRequest, HttpResponse } from "./http-client.js";
import { headerValue } from "./http-client.js";
import { isLoopbackRegistry, registryApiHost } from "./image-reference.js";
import { discardBody, readBodyText } from "./read-body.js";
import { RegistryAuth } from "./registry-auth.js";
import {
  backoffDelay,
  isRetryableNetworkError,
  isRetryableStatus,
  isTlsProtocolMismatch,
  parseRetryAfter,
  type RetryPolicy,
} from "./retry-policy.js";
import { parseWwwAuthenticate } from "./www-authenticate.js";

/**
 * One registry's HTTP API: picks the scheme, authenticates, follows redirects, retries
 * 429/5xx/dropped connections (honouring Retry-After) and turns failures into typed errors
 * that say what to do. Every method returns only 2xx responses.
 */

/** Options of {@link RegistryClient}. */
export interface RegistryClientOptions {
  /** Registry name as in the reference (`docker.io`, `127.0.0.1:5000`). */
  readonly registry: string;
  readonly httpClient: HttpClient;
  readonly credentials?: RegistryCredentials;
  readonly credentialsSource?: string;
  readonly missingCredentialsHint?: string;
  /** Listed with --insecure-registry: plain HTTP is allowed (HTTPS is still tried first). */
  readonly insecure?: boolean;
  /**
   * Allow plain HTTP for loopback registries (localhost, 127.0.0.0/8, ::1) that do not speak
   * TLS, as Docker and Trivy do; default true.
   */
  readonly plainHttpForLoopback?: boolean;
  readonly retry: RetryPolicy;
}

/** A GET against the registry API. */
export interface RegistryGetOptions {
  /** Path below the registry root, starting with `/v2/`. */
  readonly path: string;
  /** Scope the request needs (`repository:name:pull`). */
  readonly scope: string;
  readonly accept?: string;
  /** Value of a Range header (`bytes=N-`). */
  readonly range?: string;
  /** What is being fetched, for messages (`manifest vigil/minbase:latest`). */
  readonly what: string;
  readonly signal?: AbortSignal;
}

const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Talks to one registry. Create one per registry and reuse it: it caches scheme and tokens. */
export class RegistryClient {
  private readonly auth: RegistryAuth;
  private scheme: "https" | "http" | undefined;
  private readonly host: string;

  constructor(private readonly options: RegistryClientOptions) {
    this.host = registryApiHost(options.registry);
    this.auth = new RegistryAuth({
      registry: options.registry,
      httpClient: options.httpClient,
      ...(options.credentials ? { credentials: options.credentials } : {}),
      ...(options.credentialsSource ? { credentialsSource: options.credentialsSource } : {}),
      ...(options.missingCredentialsHint ? { missingCredentialsHint: options.missingCredentialsHint } : {}),
      retry: options.retry,
    });
  }

  /** True when this registry may be reached over plain HTTP. */
  get mayUsePlainHttp(): boolean {
    return (
      this.options.insecure === true ||
      ((this.options.plainHttpForLoopback ?? true) && isLoopbackRegistry(this.options.registry))
    );
  }

  /** The base URL in use (`https://host`), once the scheme is known. */
  get baseUrl(): string {
    return `${this.scheme ?? "https"}://${this.host}`;
  }

  /** GET `options.path`; resolves with a 2xx response or throws a typed error. */
  async get(options: RegistryGetOptions): Promise<HttpResponse> {
    const { signal } = options;
    if (this.auth.canPrefetch(options.scope)) await this.auth.prefetch(options.scope, signal);
    let authRetried = false;
    for (;;) {
      const authorization = this.auth.authorization(options.scope);
      const response = await this.getWithRetry(options, authorization);
      const url = `${this.baseUrl}${options.path}`;
      if (response.status === 401 && !authRetried) {
        await discardBody(response.body);
        authRetried = true;
        const challenges = parseWwwAuthenticate(response.headers["www-authenticate"]);
        await this.auth.handleChallenge(challenges, options.scope, url, authorization !== undefined, signal);
        continue;
      }
      if (response.status >= 200 && response.status <= 299) return response;
      throw await this.errorFor(response, url, options, authorization !== undefined);
    }
  }

  /** One logical request: scheme fallback, redirects and retries; returns the final response. */
  private async getWithRetry(
    options: RegistryGetOptions,
    authorization: string | undefined,
  ): Promise<HttpResponse> {
    const { retry } = this.options;
    const { signal } = options;
    for (let attempt = 1; ; attempt++) {
      const scheme = this.scheme ?? "https";
      const url = `${scheme}://${this.host}${options.path}`;
      let response: HttpResponse;
      try {
        response = await this.followRedirects(url, options, authorization);
      } catch (error) {
        if (signal?.aborted)
          throw new ImageSourceAbortedError(`${options.what} from ${url}`, { cause: error });
        if (
          this.scheme === undefined &&
          scheme === "https" &&
          this.mayUsePlainHttp &&
          isFallbackWorthy(error)
        ) {
          // The server does not speak TLS on this port: use plain HTTP, as allowed.
          this.scheme = "http";
          attempt--;
          continue;
        }
        if (attempt < retry.maxAttempts && isRetryableNetworkError(error)) {
          await this.sleep(backoffDelay(attempt, retry), signal, url);
          continue;
        }
        throw this.connectionError(error, url, options.what);
      }
      this.scheme ??= scheme;
      if (isRetryableStatus(response.status) && attempt < retry.maxAttempts) {
        const after = parseRetryAfter(headerValue(response.headers, "retry-after"), retry.now());
        if (after !== undefined && after > retry.maxRetryAfterMs) return response; // give up now: errorFor explains
        await discardBody(response.body);
        await this.sleep(after ?? backoffDelay(attempt, retry), signal, url);
        continue;
      }
      return response;
    }
  }

  private async sleep(ms: number, signal: AbortSignal | undefined, url: string): Promise<void> {
    try {
      await this.options.retry.sleep(ms, signal);
    } catch (error) {
      throw new ImageSourceAbortedError(url, { cause: error });
    }
  }

  private async followRedirects(
    startUrl: string,
    options: RegistryGetOptions,
    authorization: string | undefined,
  ): Promise<HttpResponse> {
    let url = startUrl;
    const origin = new URL(startUrl).origin;
    for (let hop = 0; ; hop++) {
      // Credentials go only to the registry's own origin, never to a redirect target such as
      // a storage bucket with a pre-signed URL.
      const sameOrigin = new URL(url).origin === origin;
      const headers: Record<string, string> = {
        ...(options.accept ? { accept: options.accept } : {}),
        ...(options.range ? { range: options.range } : {}),
        ...(authorization && sameOrigin ? { authorization } : {}),
      };
      const request: HttpRequest = {
        url,
        method: "GET",
        headers,
        ...(options.signal ? { signal: options.signal } : {}),
      };
      const response = await this.options.httpClient.request(request);
      const location = headerValue(response.headers, "location");
      if (!REDIRECT_STATUSES.has(response.status) || !location) return response;
      await discardBody(response.body);
      if (hop >= MAX_REDIRECTS) {
        throw new RegistryResponseError(
          response.status,
          url,
          `Registry ${this.options.registry} redirected ${options.what} more than ${MAX_REDIRECTS} times; check the registry's storage configuration.`,
        );
      }
      url = new URL(location, url).href;
    }
  }

  private connectionError(error: unknown, url: string, what: string): RegistryConnectionError {
    const message = (error as Error)?.message ?? String(error);
    const tlsHint = isTlsProtocolMismatch(error)
      ? ` The registry does not seem to speak HTTPS; if it serves plain HTTP, pass --insecure-registry ${this.options.registry}.`
      : /certificate|self[- ]signed|CERT_|UNABLE_TO_VERIFY/i.test(
            `${message} ${(error as { code?: string })?.code}`,
          )
        ? " Its TLS certificate is not trusted: pass the CA that signed it (--ca-file)."
        : "";
    return new RegistryConnectionError(
      url,
      `Cannot fetch ${what} from registry ${this.options.registry} (${url}): ${message}.${tlsHint}` +
        (tlsHint ? "" : " Check that the registry is reachable, then retry."),
      { cause: error },
    );
  }

  private async errorFor(
    response: HttpResponse,
    url: string,
    options: RegistryGetOptions,
    hadAuthorization: boolean,
  ): Promise<Error> {
    let cause: RegistryErrorBody | undefined;
    try {
      const text = await readBodyText(response.body, 64 * 1024, `error body from ${url}`);
      cause = parseRegistryErrorBody(text);
    } catch {
      // no readable error body
    }
    const status = response.status;
    const registry = this.options.registry;
    const opts = cause ? { cause } : undefined;
    const said = cause ? ` (registry said: ${cause.message})` : "";
    if (status === 401 || status === 403) {
      const advice =
        status === 403
          ? "The credentials are valid but may not pull this repository; ask for access."
          : hadAuthorization
            ? `It rejected ${this.auth.credentialsText()}; check them.`
            : "Log in (docker login) or pass a registry config file with credentials for it.";
      return new RegistryAuthError(
        status,
        url,
        `Registry ${registry} denied access to ${options.what} (HTTP ${status})${said}. ${advice}`,
        opts,
      );
    }
    if (status === 404) {
      const kind = cause?.codes.includes("NAME_UNKNOWN")
        ? "the repository does not exist"
        : cause?.codes.includes("MANIFEST_UNKNOWN")
          ? "the tag or digest does not exist"
          : cause?.codes.includes("BLOB_UNKNOWN")
            ? "the blob does not exist"
            : "not found";
      return new RegistryNotFoundError(
        status,
        url,
        `Registry ${registry} has no ${options.what}: ${kind}${said}. Check the image name, tag or digest.`,
        opts,
      );
    }
    if (status === 429) {
      const after = headerValue(response.headers, "retry-after");
      return new RegistryResponseError(
        status,
        url,
        `Registry ${registry} is rate-limiting requests for ${options.what} (HTTP 429${
          after ? `, Retry-After ${after}` : ""
        })${said}. Wait and retry later, or authenticate to get a higher limit.`,
        opts,
      );
    }
    if (status === 400 && /HTTP request to an HTTPS server/i.test(cause?.message ?? "")) {
      return new RegistryResponseError(
        status,
        url,
        `Registry ${registry} speaks HTTPS but was contacted over HTTP; its TLS certificate was probably not trusted. Pass its CA (--ca-file).`,
        opts,
      );
    }
    return new RegistryResponseError(
      status,
      url,
      `Registry ${registry} answered HTTP ${status} for ${options.what}${said}${
        status >= 500 ? " after retries. The registry is failing; retry later" : ""
      }.`,
      opts,
    );
  }
}

/** Errors after which a loopback or insecure registry is tried over plain HTTP. */
function isFallbackWorthy(error: unknown): boolean {
  // Only a TLS protocol mismatch: a reset or timeout may be transient, and switching a TLS
  // registry to HTTP for good would break every later request.
  return isTlsProtocolMismatch(error);
}

/** Parse a distribution error document (`{"errors":[{"code","message","detail"}]}`), or plain text. */
export function parseRegistryErrorBody(text: string): RegistryErrorBody | undefined {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  try {
    const json = JSON.parse(trimmed) as { errors?: { code?: unknown; message?: unknown }[] };
    if (Array.isArray(json.errors) && json.errors.length > 0) {
      const codes = json.errors.map((e) => String(e.code ?? ""));
      const message = json.errors.map((e) => `${e.code ?? "ERROR"}: ${e.message ?? ""}`.trim()).join("; ");
      return new RegistryErrorBody(codes, message);
    }
  } catch {
    // not JSON
  }
  return new RegistryErrorBody([], trimmed.slice(0, 300));
}
