import { describe, expect, it } from "vitest";
import { DIALECTS } from "../../db/test-support/test-databases.js";
import { storeDb } from "../../store/store-schema.js";
import { expectJson, NOW, useApiServer } from "./test-support/api-test-server.js";

const PASSWORD = "correct horse battery";
const HOUR = 60 * 60_000;

interface ErrorBody {
  readonly error: { readonly status: number; readonly message: string; readonly details?: unknown };
}
interface SessionBody {
  readonly user: { readonly id: string; readonly email: string; readonly role: string };
  readonly via: string;
  readonly csrfToken?: string;
}

describe.each(DIALECTS)("sign-in, users, tokens and audit on %s", (dialect) => {
  const api = useApiServer(dialect);

  /** Creates a user with a password, as the owner. */
  const createUser = async (email: string, role: string) =>
    expectJson<{ id: string }>(
      await api.request("/api/v1/users", { method: "POST", json: { email, role, password: PASSWORD } }),
      201,
    );

  /** Signs in; the session cookie (`name=value`) and CSRF token. */
  const login = async (email: string, password = PASSWORD, headers: Record<string, string> = {}) => {
    const response = await api.request("/api/v1/auth/login", {
      method: "POST",
      as: "anonymous",
      json: { email, password },
      headers,
    });
    const setCookie = response.headers.getSetCookie();
    const body = await expectJson<SessionBody>(response, 200);
    return {
      cookie: setCookie[0]!.split(";")[0]!,
      setCookie: setCookie[0]!,
      csrfToken: body.csrfToken!,
      body,
    };
  };

  /** A request through a session cookie (no bearer token). */
  const withSession = (
    path: string,
    session: { cookie: string },
    init: { method?: string; json?: unknown; csrf?: string } = {},
  ) =>
    api.request(path, {
      as: "anonymous",
      ...(init.method ? { method: init.method } : {}),
      ...(init.json !== undefined ? { json: init.json } : {}),
      headers: { Cookie: session.cookie, ...(init.csrf !== undefined ? { "X-CSRF-Token": init.csrf } : {}) },
    });

  it("signs in with a session cookie (HttpOnly, SameSite=Strict, Secure over https) and says who is calling", async () => {
    const dev = await createUser("Dev@Example.test", "developer");
    const session = await login("dev@EXAMPLE.test");
    expect(session.setCookie).toMatch(
      /^vigil_session=[\w-]{43}; Max-Age=43200; Path=\/; HttpOnly; SameSite=Strict$/,
    );
    expect(session.body).toMatchObject({
      user: { id: dev.id, email: "dev@example.test", role: "developer" },
      via: "session",
    });
    expect(session.csrfToken).toMatch(/^[\w-]{43}$/);

    const me = await expectJson<SessionBody>(await withSession("/api/v1/auth/session", session), 200);
    expect(me).toMatchObject({ user: { id: dev.id }, via: "session", csrfToken: session.csrfToken });
    expect((await withSession("/api/v1/findings", session)).status).toBe(200);
    expect((await withSession("/api/v1/webhooks", session)).status).toBe(403);

    const audit = await expectJson<{ items: Record<string, unknown>[] }>(
      await api.request("/api/v1/audit-events?limit=1"),
      200,
    );
    expect(audit.items[0]).toMatchObject({
      actor: { kind: "user", id: dev.id, name: "dev@example.test" },
      route: "/api/v1/auth/login",
      status: 200,
      outcome: "allowed",
      details: { email: "dev@example.test" },
    });

    const overHttps = await login("dev@example.test", PASSWORD, { "X-Forwarded-Proto": "https" });
    expect(overHttps.setCookie).toMatch(/; Secure; SameSite=Strict$/);

    const token = await expectJson<SessionBody>(
      await api.request("/api/v1/auth/session", { as: "reporter" }),
      200,
    );
    expect(token).toEqual({ user: expect.objectContaining({ id: api.users.reporter.id }), via: "token" });
  });

  it("refuses a session's writes without its CSRF token; bearer requests need none", async () => {
    await createUser("dev@example.test", "developer");
    const session = await login("dev@example.test");
    const change = { ids: ["f1"], state: "confirmed" };
    const missing = await withSession("/api/v1/findings/state", session, { method: "POST", json: change });
    expect((await expectJson<ErrorBody>(missing, 403)).error.message).toMatch(/X-CSRF-Token/);
    const wrong = await withSession("/api/v1/findings/state", session, {
      method: "POST",
      json: change,
      csrf: `${session.csrfToken}x`,
    });
    expect(wrong.status).toBe(403);
    const other = await login("dev@example.test");
    const othersToken = await withSession("/api/v1/findings/state", session, {
      method: "POST",
      json: change,
      csrf: other.csrfToken,
    });
    expect(othersToken.status).toBe(403);
    const right = await withSession("/api/v1/findings/state", session, {
      method: "POST",
      json: change,
      csrf: session.csrfToken,
    });
    // let in: the finding does not exist
    expect(right.status).toBe(404);
    // a public route serves a session's write without the token as anonymous (signing in again)
    const again = await api.request("/api/v1/auth/login", {
      method: "POST",
      as: "anonymous",
      json: { email: "dev@example.test", password: PASSWORD },
      headers: { Cookie: session.cookie },
    });
    expect(again.status).toBe(200);
    const bearer = await api.request("/api/v1/findings/state", {
      method: "POST",
      json: change,
      as: "developer",
    });
    expect(bearer.status).toBe(404);
  });

  it("signs out: the session ends and the cookie is cleared", async () => {
    await createUser("dev@example.test", "developer");
    const session = await login("dev@example.test");
    expect((await withSession("/api/v1/auth/logout", session, { method: "POST" })).status).toBe(403);
    const out = await withSession("/api/v1/auth/logout", session, {
      method: "POST",
      csrf: session.csrfToken,
    });
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie()[0]).toMatch(/^vigil_session=; Max-Age=0; Path=\//);
    const after = await withSession("/api/v1/findings", session);
    expect((await expectJson<ErrorBody>(after, 401)).error.message).toMatch(/sign in.*developer/);
  });

  it("ends a session after 2 idle hours, and 12 hours after sign-in however busy", async () => {
    await createUser("dev@example.test", "developer");
    const idle = await login("dev@example.test");
    api.setNow(new Date(NOW.getTime() + 2 * HOUR));
    expect((await withSession("/api/v1/findings", idle)).status).toBe(401);

    api.setNow(NOW);
    const busy = await login("dev@example.test");
    for (let t = 1.5; t < 12; t += 1.5) {
      api.setNow(new Date(NOW.getTime() + t * HOUR));
      expect((await withSession("/api/v1/findings", busy)).status, `after ${t} h`).toBe(200);
    }
    api.setNow(new Date(NOW.getTime() + 12 * HOUR));
    expect((await withSession("/api/v1/findings", busy)).status).toBe(401);
  });

  it("answers an unknown email and a wrong password alike, and limits failures per email (429, Retry-After)", async () => {
    await createUser("dev@example.test", "developer");
    const attempt = (email: string, password: string) =>
      api.request("/api/v1/auth/login", { method: "POST", as: "anonymous", json: { email, password } });
    const unknown = await attempt("nobody@example.test", PASSWORD);
    const wrong = await attempt("dev@example.test", "wrong password!");
    expect(unknown.status).toBe(401);
    expect(await unknown.text()).toBe(await wrong.text());
    expect(unknown.headers.getSetCookie()).toEqual([]);

    // timing: an unknown email costs a scrypt too (within a factor, not to the millisecond)
    const time = async (email: string) => {
      const started = performance.now();
      await attempt(email, "wrong password!");
      return performance.now() - started;
    };
    const unknownMs = await time("ghost@example.test");
    const wrongMs = await time("dev@example.test");
    expect(unknownMs).toBeGreaterThan(wrongMs / 4);

    for (let i = 0; i < 3; i++)
      expect((await attempt("dev@example.test", "wrong password!")).status).toBe(401);
    // five failures in 15 minutes: now even the right password waits
    const limited = await attempt("dev@example.test", PASSWORD);
    expect((await expectJson<ErrorBody>(limited, 429)).error.message).toMatch(/too many failed sign-ins/);
    expect(Number(limited.headers.get("Retry-After"))).toBe(15 * 60);
    expect((await attempt("DEV@example.test", PASSWORD)).status).toBe(429);

    api.setNow(new Date(NOW.getTime() + 15 * 60_000));
    expect((await attempt("dev@example.test", PASSWORD)).status).toBe(200);
    const body = await expectJson<ErrorBody>(await attempt("dev@example.test", ""), 401);
    expect(body.error.message).toBe("the email or password is wrong");
    expect((await attempt("dev@example.test", PASSWORD)).status).toBe(200);
  });

  it("refuses a disabled user's sessions, tokens and sign-in at once, and takes a role change at once", async () => {
    const dev = await createUser("dev@example.test", "developer");
    const session = await login("dev@example.test");
    const { token } = await expectJson<{ token: string }>(
      await withSession("/api/v1/users/me/tokens", session, {
        method: "POST",
        json: { name: "ci" },
        csrf: session.csrfToken,
      }),
      201,
    );
    const bearer = { Authorization: `Bearer ${token}` };
    expect((await api.request("/api/v1/webhooks", { as: "anonymous", headers: bearer })).status).toBe(403);
    await expectJson(
      await api.request(`/api/v1/users/${dev.id}`, { method: "PATCH", json: { role: "maintainer" } }),
      200,
    );
    expect((await api.request("/api/v1/webhooks", { as: "anonymous", headers: bearer })).status).toBe(200);

    await expectJson(
      await api.request(`/api/v1/users/${dev.id}`, { method: "PATCH", json: { disabled: true } }),
      200,
    );
    expect((await withSession("/api/v1/findings", session)).status).toBe(401);
    const refused = await api.request("/api/v1/findings", { as: "anonymous", headers: bearer });
    expect((await expectJson<ErrorBody>(refused, 401)).error.message).toMatch(/disabled/);
    const signIn = await api.request("/api/v1/auth/login", {
      method: "POST",
      as: "anonymous",
      json: { email: "dev@example.test", password: PASSWORD },
    });
    expect((await expectJson<ErrorBody>(signIn, 401)).error.message).toBe("the email or password is wrong");

    await expectJson(
      await api.request(`/api/v1/users/${dev.id}`, { method: "PATCH", json: { disabled: false } }),
      200,
    );
    expect((await api.request("/api/v1/findings", { as: "anonymous", headers: bearer })).status).toBe(200);
    // the disabled user's session ended for good
    expect((await withSession("/api/v1/findings", session)).status).toBe(401);
  });

  it("keeps an enabled owner: the last one can be neither demoted nor disabled", async () => {
    const owner = api.users.owner.id;
    const demote = await api.request(`/api/v1/users/${owner}`, {
      method: "PATCH",
      json: { role: "developer" },
    });
    expect((await expectJson<ErrorBody>(demote, 409)).error.message).toMatch(/last enabled owner/);
    expect(
      (await api.request(`/api/v1/users/${owner}`, { method: "PATCH", json: { disabled: true } })).status,
    ).toBe(409);
    const second = await createUser("second@example.test", "owner");
    await expectJson(
      await api.request(`/api/v1/users/${owner}`, { method: "PATCH", json: { role: "developer" } }),
      200,
    );
    const stillOwner = await api.request(`/api/v1/users/${second.id}`, { method: "GET" });
    expect(stillOwner.status).toBe(403);
  });

  it("creates, lists, reads and changes users, refusing bad input", async () => {
    const created = await api.request("/api/v1/users", {
      method: "POST",
      json: { email: "Ann@Example.test", name: "Ann", role: "reporter", password: PASSWORD },
    });
    const ann = await expectJson<Record<string, unknown>>(created, 201);
    expect(ann).toEqual({
      id: expect.any(String),
      email: "ann@example.test",
      name: "Ann",
      role: "reporter",
      createdAt: NOW.toISOString(),
      hasPassword: true,
    });
    expect(created.headers.get("Location")).toMatch(new RegExp(`/api/v1/users/${ann.id}$`));
    const list = await expectJson<{ items: { email: string }[] }>(await api.request("/api/v1/users"), 200);
    expect(list.items.map((u) => u.email)).toEqual([
      "ann@example.test",
      "developer@vigil.test",
      "guest@vigil.test",
      "maintainer@vigil.test",
      "owner@vigil.test",
      "reporter@vigil.test",
    ]);
    expect(JSON.stringify(list)).not.toMatch(/scrypt|password_hash/);
    expect(await expectJson(await api.request(`/api/v1/users/${ann.id}`), 200)).toEqual(ann);
    expect((await api.request("/api/v1/users/nobody")).status).toBe(404);

    const bad: [unknown, string][] = [
      [{ email: "x@example.test", role: "admin" }, "role"],
      [{ email: "not-an-email", role: "guest" }, "email"],
      [{ email: "x@example.test", role: "guest", password: "short" }, "password"],
      [{ email: "x@example.test", role: "guest", isAdmin: true }, "isAdmin"],
    ];
    for (const [json, field] of bad) {
      const refused = await api.request("/api/v1/users", { method: "POST", json });
      expect(
        (await expectJson<{ error: { details: { field: string } } }>(refused, 400)).error.details.field,
      ).toBe(field);
    }
    const taken = await api.request("/api/v1/users", {
      method: "POST",
      json: { email: "ANN@example.test", role: "guest" },
    });
    expect(taken.status).toBe(409);
    const patch = (json: unknown) => api.request(`/api/v1/users/${ann.id}`, { method: "PATCH", json });
    expect((await patch({ disabled: "yes" })).status).toBe(400);
    expect((await patch({ name: "" })).status).toBe(400);
    expect(
      (await api.request("/api/v1/users/nobody", { method: "PATCH", json: { role: "guest" } })).status,
    ).toBe(404);
    expect(
      await expectJson(await patch({ name: "Ann B", password: "another long password" }), 200),
    ).toMatchObject({
      name: "Ann B",
    });
    expect((await login("ann@example.test", "another long password")).body.user.email).toBe(
      "ann@example.test",
    );
  });

  it("shows a new API token once; lists tokens without them; revokes only the caller's own", async () => {
    const created = await expectJson<{ id: string; name: string; token: string }>(
      await api.request("/api/v1/users/me/tokens", { method: "POST", json: { name: "ci" }, as: "guest" }),
      201,
    );
    expect(created).toEqual({
      id: expect.any(String),
      name: "ci",
      createdAt: NOW.toISOString(),
      token: expect.stringMatching(/^vigil_pat_/),
    });
    const bearer = { Authorization: `Bearer ${created.token}` };
    const me = await expectJson<SessionBody>(
      await api.request("/api/v1/auth/session", { as: "anonymous", headers: bearer }),
      200,
    );
    expect(me.user.id).toBe(api.users.guest.id);

    const list = await expectJson<{ items: Record<string, unknown>[] }>(
      await api.request("/api/v1/users/me/tokens", { as: "guest" }),
      200,
    );
    expect(list.items.map((t) => t.name).sort()).toEqual(["ci", "tests"]);
    expect(JSON.stringify(list)).not.toContain(created.token);
    expect(
      (await api.request("/api/v1/users/me/tokens", { method: "POST", json: {}, as: "guest" })).status,
    ).toBe(400);

    expect(
      (await api.request(`/api/v1/users/me/tokens/${created.id}`, { method: "DELETE", as: "developer" }))
        .status,
    ).toBe(404);
    expect(
      (await api.request(`/api/v1/users/me/tokens/${created.id}`, { method: "DELETE", as: "guest" })).status,
    ).toBe(204);
    const revoked = await api.request("/api/v1/auth/session", { as: "anonymous", headers: bearer });
    expect((await expectJson<ErrorBody>(revoked, 401)).error.message).toMatch(/unknown or revoked/);
    expect(
      (await api.request(`/api/v1/users/me/tokens/${created.id}`, { method: "DELETE", as: "guest" })).status,
    ).toBe(404);
  });

  it("audits every write, allowed or refused, with who, what, when and outcome, and no password", async () => {
    await api.request("/api/v1/auth/login", {
      method: "POST",
      as: "anonymous",
      json: { email: "Owner@vigil.test", password: "hunter2-secret-password" },
    });
    await api.request("/api/v1/clusters", { method: "POST", as: "guest", json: { name: "x" } });
    await api.request("/api/v1/policies/nope", { method: "DELETE", as: "maintainer" });
    await api.request("/api/v1/findings", { as: "developer" });
    await api.request("/api/v1/clusters", {
      method: "POST",
      as: "anonymous",
      headers: { Authorization: "Bearer forged" },
    });
    await api.request("/api/v1/nothing-here", { method: "PUT", as: "developer" });

    const page = await expectJson<{ items: Record<string, unknown>[]; nextCursor?: string }>(
      await api.request("/api/v1/audit-events?limit=4"),
      200,
    );
    expect(page.items).toEqual([
      {
        id: expect.any(Number),
        at: NOW.toISOString(),
        actor: { kind: "user", id: api.users.developer.id, name: "developer@vigil.test" },
        method: "PUT",
        route: "unmatched",
        path: "/api/v1/nothing-here",
        status: 404,
        outcome: "failed",
      },
      {
        id: expect.any(Number),
        at: NOW.toISOString(),
        actor: { kind: "anonymous" },
        method: "POST",
        route: "/api/v1/clusters",
        path: "/api/v1/clusters",
        status: 401,
        outcome: "denied",
      },
      {
        id: expect.any(Number),
        at: NOW.toISOString(),
        actor: { kind: "user", id: api.users.maintainer.id, name: "maintainer@vigil.test" },
        method: "DELETE",
        route: "/api/v1/policies/:id",
        path: "/api/v1/policies/nope",
        status: 404,
        outcome: "failed",
      },
      {
        id: expect.any(Number),
        at: NOW.toISOString(),
        actor: { kind: "user", id: api.users.guest.id, name: "guest@vigil.test" },
        method: "POST",
        route: "/api/v1/clusters",
        path: "/api/v1/clusters",
        status: 403,
        outcome: "denied",
      },
    ]);
    const rest = await expectJson<{ items: Record<string, unknown>[]; nextCursor?: string }>(
      await api.request(`/api/v1/audit-events?cursor=${page.nextCursor}`),
      200,
    );
    expect(rest.items).toEqual([
      expect.objectContaining({
        actor: { kind: "anonymous" },
        route: "/api/v1/auth/login",
        status: 401,
        outcome: "denied",
        details: { email: "owner@vigil.test" },
      }),
    ]);
    expect(rest.nextCursor).toBeUndefined();
    const stored = await storeDb(api.db).selectFrom("audit_events").selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain("hunter2");
    expect((await api.request("/api/v1/audit-events?cursor=nonsense")).status).toBe(400);
  });

  it("tells a fresh install without users to run vigil admin create-owner", async () => {
    await storeDb(api.db).deleteFrom("api_tokens").execute();
    await storeDb(api.db).deleteFrom("users").execute();
    const refused = await api.request("/api/v1/findings", { as: "anonymous" });
    expect((await expectJson<ErrorBody>(refused, 401)).error.message).toMatch(
      /no users yet: run `vigil admin create-owner/,
    );
    expect((await api.request("/api/v1/health", { as: "anonymous" })).status).toBe(200);
  });
});

describe("the sign-in limit per client address", () => {
  const api = useApiServer("sqlite", { auth: { loginFailuresPerAddress: 3 } });

  it("refuses an address that failed too often, whatever email it tries next", async () => {
    const attempt = (email: string) =>
      api.request("/api/v1/auth/login", {
        method: "POST",
        as: "anonymous",
        json: { email, password: "guess guess guess" },
      });
    for (const email of ["a@x.test", "b@x.test", "c@x.test"]) expect((await attempt(email)).status).toBe(401);
    const limited = await attempt("d@x.test");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("Retry-After")).toBe("900");
  });
});
