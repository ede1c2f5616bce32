import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import type { AuditEventRepository, AuditOutcome } from "../store/audit-event-repository.js";
import { principalOf } from "./principal.js";
import { auditDetailsOf, UNSAFE_METHODS } from "./request-context.js";

/** Options of {@link auditWrites}. */
export interface AuditWritesOptions {
  readonly events: AuditEventRepository;
  readonly now: () => Date;
  /** Where a failure to record goes (the answer is already decided: it is not changed). */
  readonly logError?: (message: string, error: unknown) => void;
}

/**
 * Records every write (POST, PUT, PATCH, DELETE), allowed or refused, after it is answered:
 * who (the principal, or anonymous), what (method, route pattern, path), when, the status and
 * its outcome, and what the route added with `setAuditDetails`. Never a body: bodies carry
 * passwords. Registered before authentication so refused tokens are recorded too.
 */
export function auditWrites(options: AuditWritesOptions): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (!UNSAFE_METHODS.has(c.req.method)) return;
    const principal = principalOf(c);
    const status = c.res.status;
    const route = routePatternOf(c);
    const details = auditDetailsOf(c);
    try {
      await options.events.record({
        at: options.now().toISOString(),
        actor:
          principal?.kind === "user"
            ? { kind: "user", id: principal.userId, name: principal.name }
            : principal?.kind === "agent"
              ? { kind: "agent", id: principal.agentId, name: `cluster ${principal.clusterId}` }
              : { kind: "anonymous" },
        method: c.req.method,
        route,
        path: c.req.path,
        status,
        outcome: outcomeOf(status),
        ...(details ? { details } : {}),
      });
    } catch (error) {
      options.logError?.(`could not record ${c.req.method} ${c.req.path} in the audit log`, error);
    }
  };
}

/**
 * The pattern of the route the request matched (`/api/v1/users/:id`), also when a middleware
 * refused it before the handler ran (a bad token, a missing CSRF token); `unmatched` for none.
 * Middleware is registered for every method (`ALL`), routes for theirs.
 */
function routePatternOf(c: Context): string {
  return matchedRoutes(c).findLast((r) => r.method !== "ALL")?.path ?? "unmatched";
}

function outcomeOf(status: number): AuditOutcome {
  if (status === 401 || status === 403 || status === 429) return "denied";
  return status < 400 ? "allowed" : "failed";
}
