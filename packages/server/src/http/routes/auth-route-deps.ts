import type { Context } from "hono";
import type { ApiTokenRepository } from "../../store/api-token-repository.js";
import type { AuditEventRepository } from "../../store/audit-event-repository.js";
import type { SessionRepository } from "../../store/session-repository.js";
import type { UserRecord, UserRepository } from "../../store/user-repository.js";
import type { LoginRateLimit } from "../login-rate-limit.js";
import { principalOf, type UserPrincipal } from "../principal.js";
import { ApiError } from "../route-definition.js";
import type { SessionAuthentication } from "../session-authentication.js";

/** What the sign-in, user, token and audit routes read, write and call. */
export interface AuthRouteDeps {
  readonly users: UserRepository;
  readonly tokens: ApiTokenRepository;
  readonly sessions: SessionAuthentication;
  readonly sessionStore: SessionRepository;
  readonly audit: AuditEventRepository;
  /** Failed sign-ins per email. */
  readonly emailLimit: LoginRateLimit;
  /** Failed sign-ins per client address (looser: people share addresses). */
  readonly addressLimit: LoginRateLimit;
  readonly now: () => Date;
  readonly newId: () => string;
}

/** The request's user (routes that call it need a role, so authorization has set one). */
export function currentUser(c: Context): UserPrincipal {
  const principal = principalOf(c);
  if (principal?.kind !== "user") throw new ApiError(401, "this route is for signed-in users");
  return principal;
}

/** A user as the API shows them (never the password hash). */
export function userResponse(user: UserRecord): Record<string, unknown> {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    createdAt: user.createdAt,
    ...(user.disabledAt ? { disabledAt: user.disabledAt } : {}),
    hasPassword: user.hasPassword,
  };
}

/** Passwords shorter than this are refused (NIST SP 800-63B asks at least 8; we ask more). */
export const MIN_PASSWORD_LENGTH = 12;
