import { requireAgent } from "./bearer-authentication.js";
import type { Principal } from "./principal.js";
import { roleAtLeast } from "./role.js";
import { ApiError, type RouteDefinition } from "./route-definition.js";

/**
 * Refuses a request its principal may not make, from the route's declared `access`:
 * `public` lets anyone in; a role wants a user with that role or a higher one; `agent` an
 * agent's own token. Anonymous is 401 (sign in, or send a token), too little is 403; both
 * name the role needed in the message and in `details.needed`.
 *
 * `hasNoUsers` turns the anonymous 401 of a fresh install into the instruction that fixes it;
 * `csrfRefusal` is the 403 of a session's write without its CSRF token (anonymous otherwise).
 */
export async function authorize(
  route: RouteDefinition,
  principal: Principal | undefined,
  hasNoUsers?: () => Promise<boolean>,
  csrfRefusal?: ApiError,
): Promise<void> {
  const needed = route.access;
  if (needed === "public") return;
  if (!principal && csrfRefusal) throw csrfRefusal;
  if (needed === "agent") {
    requireAgent(route, principal);
    return;
  }
  if (!principal) {
    if (hasNoUsers && (await hasNoUsers())) {
      throw new ApiError(
        401,
        "this server has no users yet: run `vigil admin create-owner --email YOU` where it runs, then sign in",
        { needed },
      );
    }
    throw new ApiError(
      401,
      `sign in, or send an API token (Authorization: Bearer …): this route needs the role ${needed} or higher`,
      { needed },
    );
  }
  if (principal.kind !== "user") {
    throw new ApiError(403, `this route is for users with the role ${needed} or higher, not agents`, {
      needed,
    });
  }
  if (!roleAtLeast(principal.role, needed)) {
    throw new ApiError(403, `this route needs the role ${needed} or higher; yours is ${principal.role}`, {
      needed,
      role: principal.role,
    });
  }
}
