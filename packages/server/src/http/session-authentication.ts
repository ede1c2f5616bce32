import { createHash, timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { SessionRecord, SessionRepository } from "../store/session-repository.js";
import type { UserRecord } from "../store/user-repository.js";
import { setPrincipal, type UserPrincipal } from "./principal.js";
import { cameOverHttps, UNSAFE_METHODS } from "./request-context.js";
import { ApiError } from "./route-definition.js";

/** The cookie that carries the session id. */
export const SESSION_COOKIE = "vigil_session";

/** The header a session's unsafe requests carry the CSRF token in. */
export const CSRF_HEADER = "X-CSRF-Token";

/** How long sessions last. */
export interface SessionLifetimes {
  /** Ends a session nobody used for this long; default 2 hours. */
  readonly idleMs?: number;
  /** Ends every session this long after sign-in, used or not; default 12 hours. */
  readonly absoluteMs?: number;
}

/** Sign-in sessions over the cookie: started by login, checked on every request, ended by logout. */
export interface SessionAuthentication {
  /**
   * Sets the request's principal from its session cookie, if it has a live one. An unknown,
   * expired or disabled user's session is anonymous (a browser keeps old cookies; public
   * routes must still answer), and an expired one is removed. An unsafe request through a
   * session without the session's CSRF token is not authenticated by it: routes that need a
   * user refuse it with 403 ({@link csrfRefusalOf}).
   */
  authenticate(c: Context): Promise<UserPrincipal | undefined>;
  /**
   * Starts a session for `user`, sets its cookie and makes them the request's principal; the
   * CSRF token the client must send back.
   */
  start(c: Context, user: UserRecord): Promise<string>;
  /** Ends the request's session, if any, and clears its cookie. */
  end(c: Context): Promise<void>;
  /** The CSRF token of the request's session, when it came through one. */
  csrfTokenOf(c: Context): string | undefined;
}

const IDLE_MS = 2 * 60 * 60_000;
const ABSOLUTE_MS = 12 * 60 * 60_000;
/** `last_seen_at` is written at most this often (not a write per request). */
const TOUCH_RESOLUTION_MS = 60_000;
const SESSION_KEY = "vigil.session";
const CSRF_REFUSAL_KEY = "vigil.csrfRefused";

/**
 * The 403 for a request that came with a live session but without its CSRF token, when the
 * route needs a user; undefined when the request was not refused so.
 */
export function csrfRefusalOf(c: Context): ApiError | undefined {
  if (c.get(CSRF_REFUSAL_KEY as never) !== true) return undefined;
  return new ApiError(
    403,
    `a signed-in session's ${c.req.method} needs the ${CSRF_HEADER} header that sign-in and GET /api/v1/auth/session return`,
  );
}

/** Session authentication over the session store, with an injected clock. */
export function createSessionAuthentication(
  sessions: SessionRepository,
  now: () => Date,
  lifetimes: SessionLifetimes = {},
): SessionAuthentication {
  const idleMs = lifetimes.idleMs ?? IDLE_MS;
  const absoluteMs = lifetimes.absoluteMs ?? ABSOLUTE_MS;
  return {
    async authenticate(c) {
      const sessionId = getCookie(c, SESSION_COOKIE);
      if (!sessionId) return undefined;
      const found = await sessions.find(sessionId);
      if (!found) return undefined;
      const { session, user } = found;
      const at = now();
      if (expired(session, at, idleMs)) {
        await sessions.delete(sessionId);
        return undefined;
      }
      if (user.disabledAt !== undefined) return undefined;
      if (UNSAFE_METHODS.has(c.req.method) && !sameSecret(c.req.header(CSRF_HEADER), session.csrfToken)) {
        // Not authenticated by this session: a route that needs a user refuses it with 403
        // (see csrfRefusalOf); a public one (sign-in) serves it as anonymous.
        c.set(CSRF_REFUSAL_KEY as never, true as never);
        return undefined;
      }
      if (at.getTime() - Date.parse(session.lastSeenAt) >= TOUCH_RESOLUTION_MS) {
        await sessions.touch(sessionId, at.toISOString());
      }
      const principal: UserPrincipal = {
        kind: "user",
        userId: user.id,
        name: user.email,
        role: user.role,
        via: "session",
      };
      setPrincipal(c, principal);
      c.set(SESSION_KEY as never, { sessionId, csrfToken: session.csrfToken } as never);
      return principal;
    },
    async start(c, user) {
      const at = now();
      // abandoned sessions go here, a sign-in at a time, rather than by a timer
      await sessions.deleteExpired(at.toISOString());
      const { sessionId, record } = await sessions.create({
        userId: user.id,
        createdAt: at.toISOString(),
        expiresAt: new Date(at.getTime() + absoluteMs).toISOString(),
      });
      setCookie(c, SESSION_COOKIE, sessionId, {
        httpOnly: true,
        sameSite: "Strict",
        path: "/",
        secure: cameOverHttps(c),
        maxAge: Math.floor(absoluteMs / 1000),
      });
      // the request is now this user's (the audit log records the sign-in as theirs)
      setPrincipal(c, { kind: "user", userId: user.id, name: user.email, role: user.role, via: "session" });
      c.set(SESSION_KEY as never, { sessionId, csrfToken: record.csrfToken } as never);
      return record.csrfToken;
    },
    async end(c) {
      const current = c.get(SESSION_KEY as never) as { sessionId: string } | undefined;
      if (current) await sessions.delete(current.sessionId);
      deleteCookie(c, SESSION_COOKIE, { path: "/", secure: cameOverHttps(c) });
    },
    csrfTokenOf(c) {
      return (c.get(SESSION_KEY as never) as { csrfToken: string } | undefined)?.csrfToken;
    },
  };
}

function expired(session: SessionRecord, at: Date, idleMs: number): boolean {
  return (
    at.getTime() >= Date.parse(session.expiresAt) || at.getTime() - Date.parse(session.lastSeenAt) >= idleMs
  );
}

/** Constant-time equality of a sent secret and the expected one (hashed first: equal lengths). */
function sameSecret(sent: string | undefined, expected: string): boolean {
  if (sent === undefined) return false;
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(sent), digest(expected));
}
