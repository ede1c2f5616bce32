import { randomUUID } from "node:crypto";
import type { VigilDatabase } from "../db/create-database.js";
import { createApiTokenRepository } from "../store/api-token-repository.js";
import { type AuditEventRepository, createAuditEventRepository } from "../store/audit-event-repository.js";
import { createSessionRepository } from "../store/session-repository.js";
import { createUserRepository } from "../store/user-repository.js";
import { createLoginRateLimit } from "./login-rate-limit.js";
import type { BearerTokenAuthenticator } from "./principal.js";
import type { RouteDefinition } from "./route-definition.js";
import { auditRoutes } from "./routes/audit-routes.js";
import type { AuthRouteDeps } from "./routes/auth-route-deps.js";
import { authRoutes } from "./routes/auth-routes.js";
import { userRoutes } from "./routes/user-routes.js";
import {
  createSessionAuthentication,
  type SessionAuthentication,
  type SessionLifetimes,
} from "./session-authentication.js";
import { createUserTokenAuthenticator } from "./user-token-authenticator.js";

/** Options of {@link createUserAuth}. */
export interface UserAuthOptions {
  /** Default the system clock. */
  readonly now?: () => Date;
  /** Default random UUIDs. */
  readonly newId?: () => string;
  readonly sessions?: SessionLifetimes;
  /** Failed sign-ins allowed per email in `windowMs` (default 5 in 15 minutes) before 429. */
  readonly loginFailuresPerEmail?: number;
  /** Failed sign-ins allowed per client address in `windowMs` (default 20). */
  readonly loginFailuresPerAddress?: number;
  readonly loginWindowMs?: number;
}

/** Users, sessions, API tokens and the audit log, wired over one database for `createHttpApp`. */
export interface UserAuth {
  /** Users' API tokens (`vigil_pat_…`), first in the server's authenticator list. */
  readonly tokenAuthenticator: BearerTokenAuthenticator;
  readonly sessions: SessionAuthentication;
  readonly audit: AuditEventRepository;
  /** True while no user exists (a fresh install): see `vigil admin create-owner`. */
  hasNoUsers(): Promise<boolean>;
  /** Sign-in, users, tokens and the audit log. */
  readonly routes: readonly RouteDefinition[];
}

/** Everything that knows who is calling, over `database`. */
export function createUserAuth(database: VigilDatabase, options: UserAuthOptions = {}): UserAuth {
  const db = database.db;
  const now = options.now ?? (() => new Date());
  const users = createUserRepository(db);
  const tokens = createApiTokenRepository(db);
  const sessionStore = createSessionRepository(db);
  const sessions = createSessionAuthentication(sessionStore, now, options.sessions);
  const audit = createAuditEventRepository(db);
  const windowMs = options.loginWindowMs ?? 15 * 60_000;
  const deps: AuthRouteDeps = {
    users,
    tokens,
    sessions,
    sessionStore,
    audit,
    emailLimit: createLoginRateLimit(db, { maxFailures: options.loginFailuresPerEmail ?? 5, windowMs, now }),
    addressLimit: createLoginRateLimit(db, {
      maxFailures: options.loginFailuresPerAddress ?? 20,
      windowMs,
      now,
    }),
    now,
    newId: options.newId ?? randomUUID,
  };
  return {
    tokenAuthenticator: createUserTokenAuthenticator(tokens, now),
    sessions,
    audit,
    hasNoUsers: async () => (await users.count()) === 0,
    routes: [...authRoutes(deps), ...userRoutes(deps), ...auditRoutes(deps)],
  };
}
