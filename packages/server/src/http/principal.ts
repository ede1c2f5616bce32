import type { FindingActor } from "@vigil/core";
import type { Context } from "hono";
import type { Role } from "./role.js";

/**
 * Who is calling: a signed-in user (session cookie), a user's API token, or an in-cluster
 * agent's token. Authentication sets it once per request; routes and the authorization check
 * read it, and history and the audit log record it.
 */
export type Principal = UserPrincipal | AgentPrincipal;

/** A person, through a session, one of their API tokens, or the local operator of a server without users. */
export interface UserPrincipal {
  readonly kind: "user";
  readonly userId: string;
  /** What the history and audit log show (the user's email). */
  readonly name: string;
  readonly role: Role;
  readonly via: "session" | "token" | "local";
}

/** An in-cluster agent: may send results for its own cluster only. */
export interface AgentPrincipal {
  readonly kind: "agent";
  readonly agentId: string;
  readonly clusterId: string;
}

/**
 * Resolves a bearer token to whom it stands for. Several are tried in order (user API tokens,
 * agent tokens); each answers `undefined` for a token that is not its own, so none needs to
 * know the others' formats.
 */
export interface BearerTokenAuthenticator {
  authenticate(token: string): Promise<Principal | undefined>;
}

const PRINCIPAL_KEY = "vigil.principal";

/** Records the request's principal (authentication does this once). */
export function setPrincipal(c: Context, principal: Principal): void {
  c.set(PRINCIPAL_KEY as never, principal as never);
}

/** The request's principal, or undefined when the request is anonymous. */
export function principalOf(c: Context): Principal | undefined {
  return c.get(PRINCIPAL_KEY as never) as Principal | undefined;
}

/** How a user appears in finding history (`user:<id>`); an agent's results are the system's. */
export function actorOf(principal: UserPrincipal): FindingActor {
  return { type: "user", id: principal.userId };
}
