import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context } from "hono";
import { ApiError } from "./route-definition.js";

/** Methods that change something: they are audited, and a session's must carry the CSRF token. */
export const UNSAFE_METHODS: ReadonlySet<string> = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * The address of the peer that sent the request. Deliberately not `X-Forwarded-For`: anyone
 * can send that header, and the login rate limit must not be escaped by changing it. Behind a
 * proxy every client shares the proxy's address, so the per-address limit is loose there and
 * the per-email limit does the work.
 */
export function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** Whether the request came over https (directly, or as a proxy in front of the server says). */
export function cameOverHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === "https:" || c.req.header("x-forwarded-proto") === "https";
}

const AUDIT_DETAILS_KEY = "vigil.auditDetails";

/**
 * Adds what a route wants the audit log to say about this request (the email a login tried, the
 * role a user was given). Never a secret: no password, no token.
 */
export function setAuditDetails(c: Context, details: Readonly<Record<string, unknown>>): void {
  c.set(AUDIT_DETAILS_KEY as never, { ...auditDetailsOf(c), ...details } as never);
}

/** What routes added with {@link setAuditDetails}. */
export function auditDetailsOf(c: Context): Readonly<Record<string, unknown>> | undefined {
  return c.get(AUDIT_DETAILS_KEY as never) as Readonly<Record<string, unknown>> | undefined;
}

/** A 429 with `Retry-After`. */
export function tooManyRequests(message: string, retryAfterSeconds: number): ApiError {
  return new ApiError(429, message, { retryAfterSeconds });
}
