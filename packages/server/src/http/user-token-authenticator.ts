import type { ApiTokenRepository } from "../store/api-token-repository.js";
import type { BearerTokenAuthenticator } from "./principal.js";
import { ApiError } from "./route-definition.js";

/**
 * Users' API tokens (`vigil_pat_…`) as a bearer authenticator. A token of a disabled user is
 * refused at once (401), not treated as anonymous; the user's current role applies, so a
 * role change takes effect on the next request.
 */
export function createUserTokenAuthenticator(
  tokens: ApiTokenRepository,
  now: () => Date,
): BearerTokenAuthenticator {
  return {
    async authenticate(token) {
      const found = await tokens.authenticate(token, now());
      if (!found) return undefined;
      if (found.user.disabledAt !== undefined) {
        throw new ApiError(401, "the user of this API token is disabled");
      }
      return {
        kind: "user",
        userId: found.user.id,
        name: found.user.email,
        role: found.user.role,
        via: "token",
      };
    },
  };
}
