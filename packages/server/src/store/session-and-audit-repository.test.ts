import { describe, expect, it } from "vitest";
import { DIALECTS } from "../db/test-support/test-databases.js";
import { createAuditEventRepository } from "./audit-event-repository.js";
import { secretHash } from "./secret-token.js";
import { createSessionRepository } from "./session-repository.js";
import { InvalidCursorError } from "./store-errors.js";
import { storeDb } from "./store-schema.js";
import { at } from "./test-support/store-fixtures.js";
import { useStoreTestDatabase } from "./test-support/store-test-database.js";
import { createUserRepository } from "./user-repository.js";

describe.each(DIALECTS)("session repository on %s", (dialect) => {
  const t = useStoreTestDatabase(dialect);
  const sessions = () => createSessionRepository(t.current.db);
  const seedUser = (id: string) =>
    createUserRepository(t.current.db).create({
      id,
      email: `${id}@x.test`,
      name: id,
      role: "reporter",
      createdAt: at(0),
    });

  it("stores a session under the hash of its id, with a CSRF token, and finds it with its user", async () => {
    await seedUser("u1");
    const { sessionId, record } = await sessions().create({
      userId: "u1",
      createdAt: at(1),
      expiresAt: at(100),
    });
    expect(sessionId).toMatch(/^[\w-]{43}$/);
    expect(record.csrfToken).toMatch(/^[\w-]{43}$/);
    const rows = await storeDb(t.current.db).selectFrom("sessions").selectAll().execute();
    expect(rows.map((r) => r.id_hash)).toEqual([secretHash(sessionId)]);
    const found = await sessions().find(sessionId);
    expect(found?.session).toEqual({ ...record, lastSeenAt: at(1) });
    expect(found?.user).toMatchObject({ id: "u1", role: "reporter" });
    await sessions().touch(sessionId, at(5));
    expect((await sessions().find(sessionId))?.session.lastSeenAt).toBe(at(5));
    expect(await sessions().find(`${sessionId}x`)).toBeUndefined();
  });

  it("ends one session, every session of a user, and the expired ones", async () => {
    await seedUser("u1");
    await seedUser("u2");
    const a = await sessions().create({ userId: "u1", createdAt: at(1), expiresAt: at(100) });
    const b = await sessions().create({ userId: "u1", createdAt: at(1), expiresAt: at(10) });
    const c = await sessions().create({ userId: "u2", createdAt: at(1), expiresAt: at(100) });
    await sessions().delete(a.sessionId);
    expect(await sessions().find(a.sessionId)).toBeUndefined();
    expect(await sessions().deleteExpired(at(50))).toBe(1);
    expect(await sessions().find(b.sessionId)).toBeUndefined();
    await sessions().deleteForUser("u2");
    expect(await sessions().find(c.sessionId)).toBeUndefined();
  });
});

describe.each(DIALECTS)("audit event repository on %s", (dialect) => {
  const t = useStoreTestDatabase(dialect);
  const audit = () => createAuditEventRepository(t.current.db);

  it("records events and pages them newest first", async () => {
    for (let i = 0; i < 5; i++) {
      await audit().record({
        at: at(i),
        actor: i % 2 ? { kind: "user", id: "u1", name: "u1@x.test" } : { kind: "anonymous" },
        method: "POST",
        route: "/api/v1/auth/login",
        path: "/api/v1/auth/login",
        status: i % 2 ? 200 : 401,
        outcome: i % 2 ? "allowed" : "denied",
        ...(i === 0 ? { details: { email: "ann@x.test" } } : {}),
      });
    }
    const first = await audit().list({ limit: 2 });
    expect(first.items.map((e) => e.at)).toEqual([at(4), at(3)]);
    expect(first.items[1]).toMatchObject({
      actor: { kind: "user", id: "u1", name: "u1@x.test" },
      status: 200,
      outcome: "allowed",
    });
    const second = await audit().list({ limit: 2, cursor: first.nextCursor! });
    expect(second.items.map((e) => e.at)).toEqual([at(2), at(1)]);
    const last = await audit().list({ limit: 2, cursor: second.nextCursor! });
    expect(last.items).toEqual([
      {
        id: last.items[0]!.id,
        at: at(0),
        actor: { kind: "anonymous" },
        method: "POST",
        route: "/api/v1/auth/login",
        path: "/api/v1/auth/login",
        status: 401,
        outcome: "denied",
        details: { email: "ann@x.test" },
      },
    ]);
    expect(last.nextCursor).toBeUndefined();
    await expect(audit().list({ cursor: "garbage" })).rejects.toThrow(InvalidCursorError);
  });
});
