/**
 * Roles, lowest first, as GitLab names them. Every route declares the least role it needs so
 * that authorization (users, API tokens, agents) slots in without touching the routes.
 */
export const ROLES = ["guest", "reporter", "developer", "maintainer", "owner"] as const;

/** A user's role. */
export type Role = (typeof ROLES)[number];

/** What a route needs: a role, `public` (health, metrics), or `agent` (an agent's own token). */
export type RouteAccess = Role | "public" | "agent";

/** Whether `role` is at least `needed`. */
export function roleAtLeast(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}
