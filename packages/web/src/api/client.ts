import type { ApiContract } from "@vigil/server";
import { queryString } from "./query-string.js";

/** `METHOD /path` of a route the UI calls. */
export type RouteKey = keyof ApiContract;

type Part<R extends RouteKey, K extends string> = ApiContract[R] extends Record<K, infer T> ? T : undefined;

/** Path parameters a route key names (`:id` → `{id}`). */
type PathParams<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? { [K in Name | keyof PathParams<`/${Rest}`>]: string }
  : P extends `${string}:${infer Name}`
    ? { [K in Name]: string }
    : Record<never, never>;

type PathOf<R extends RouteKey> = R extends `${string} ${infer P}` ? P : never;

/** What a call takes besides the route: its path parameters, query and body, as the contract says. */
export type CallOptions<R extends RouteKey> = {
  readonly params?: PathParams<PathOf<R>>;
  readonly query?: Part<R, "query">;
  readonly body?: Part<R, "body">;
  /** Policies are sent as YAML text: the body's media type when it is a string. */
  readonly contentType?: string;
  readonly signal?: AbortSignal;
};

/** What a route answers. */
export type Answer<R extends RouteKey> = Part<R, "response">;

/** An answer other than 2xx, with the server's message and details (`{field, reason}` ...). */
export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "ApiRequestError";
  }
}

/** The session's CSRF token, sent on every write made with the session cookie. */
let csrfToken: string | undefined;

/** Set by the session once the server told it (sign-in, or `GET /auth/session`). */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** The URL of a route with its parameters and query filled in (for links such as exports). */
export function routeUrl<R extends RouteKey>(route: R, options: CallOptions<R> = {}): string {
  const [, template] = route.split(" ") as [string, string];
  const params = (options.params ?? {}) as Record<string, string>;
  const path = template.replace(/:([a-z]+)/gi, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`${route}: no value for :${name}`);
    return encodeURIComponent(value);
  });
  return path + queryString((options.query ?? {}) as Record<string, unknown>);
}

/**
 * Calls one route of the API as the signed-in user: same origin, the session cookie, the CSRF
 * token on writes. A non-2xx answer throws {@link ApiRequestError} with the server's message.
 */
export async function api<R extends RouteKey>(route: R, options: CallOptions<R> = {}): Promise<Answer<R>> {
  const method = route.slice(0, route.indexOf(" "));
  const headers: Record<string, string> = { Accept: "application/json" };
  let body: string | undefined;
  if (options.body !== undefined) {
    if (typeof options.body === "string") {
      body = options.body;
      headers["Content-Type"] = options.contentType ?? "text/plain";
    } else {
      body = JSON.stringify(options.body);
      headers["Content-Type"] = "application/json";
    }
  }
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  const response = await fetch(routeUrl(route, options), {
    method,
    headers,
    credentials: "same-origin",
    ...(body !== undefined ? { body } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (response.status === 204) return null as Answer<R>;
  const text = await response.text();
  const json = text === "" ? null : parseJson(text, response.status);
  if (!response.ok) {
    const error = (json as { error?: { message?: string; details?: unknown } } | null)?.error;
    throw new ApiRequestError(
      response.status,
      error?.message ?? `${method} ${response.url}: HTTP ${response.status}`,
      error?.details,
    );
  }
  return json as Answer<R>;
}

function parseJson(text: string, status: number): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiRequestError(status, `the server answered something other than JSON (HTTP ${status})`);
  }
}
