import type { Context } from "hono";
import { type BearerTokenAuthenticator, type Principal, setPrincipal } from "./principal.js";
import { ApiError, type RouteDefinition } from "./route-definition.js";

/** The token of an `Authorization: Bearer …` header, or undefined when there is none. */
export function bearerTokenOf(c: Context): string | undefined {
  const header = c.req.header("authorization");
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new ApiError(401, "the Authorization header must be `Bearer <token>`");
  return match[1];
}

/**
 * Sets the request's principal from its bearer token, asking each authenticator in turn. A
 * token that none of them knows (unknown, revoked, malformed) is refused with 401 at once,
 * never treated as anonymous: a caller that sent a token meant to be someone.
 */
export async function authenticateBearer(
  c: Context,
  authenticators: readonly BearerTokenAuthenticator[],
): Promise<Principal | undefined> {
  const token = bearerTokenOf(c);
  if (token === undefined) return undefined;
  for (const authenticator of authenticators) {
    const principal = await authenticator.authenticate(token);
    if (principal) {
      setPrincipal(c, principal);
      return principal;
    }
  }
  throw new ApiError(401, "the bearer token is unknown or revoked");
}

/** Agent routes take an agent's own token and nothing else (a user's session or token is refused). */
export function requireAgent(route: RouteDefinition, principal: Principal | undefined): void {
  if (route.access !== "agent") return;
  if (!principal) throw new ApiError(401, "this route takes an agent token (Authorization: Bearer …)");
  if (principal.kind !== "agent") throw new ApiError(403, "this route is for agents only");
}
