import { describe, expect, it } from "vitest";
import { DIALECTS } from "../db/test-support/test-databases.js";
import { createApiTokenRepository } from "../store/api-token-repository.js";
import { createAuditEventRepository } from "../store/audit-event-repository.js";
import { verifyPassword } from "../store/password-hash.js";
import { useStoreTestDatabase } from "../store/test-support/store-test-database.js";
import { createUserRepository } from "../store/user-repository.js";
import { CreateOwnerError, createOwner } from "./create-owner.js";

const PASSWORD = "a long enough password";

describe.each(DIALECTS)("createOwner on %s", (dialect) => {
  const t = useStoreTestDatabase(dialect);

  it("creates the first owner, with a token when asked, and audits it", async () => {
    const { user, created, token } = await createOwner(t.current, {
      email: "Root@Example.test",
      password: PASSWORD,
      tokenName: "setup",
    });
    expect(created).toBe(true);
    expect(user).toMatchObject({ email: "root@example.test", name: "root@example.test", role: "owner" });
    const users = createUserRepository(t.current.db);
    expect(await verifyPassword(PASSWORD, (await users.passwordHashOf(user.id))!)).toBe(true);
    expect((await createApiTokenRepository(t.current.db).authenticate(token!, new Date()))?.user.id).toBe(
      user.id,
    );
    const audit = await createAuditEventRepository(t.current.db).list({});
    expect(audit.items).toEqual([
      expect.objectContaining({
        method: "CLI",
        route: "vigil admin create-owner",
        details: { email: "root@example.test", userId: user.id, tokenName: "setup" },
      }),
    ]);
  });

  it("refuses a second owner, a taken email, a short password or a bad email; --force restores", async () => {
    const first = await createOwner(t.current, { email: "root@example.test", password: PASSWORD });
    await expect(createOwner(t.current, { email: "two@example.test", password: PASSWORD })).rejects.toThrow(
      /has an owner already/,
    );
    await expect(createOwner(t.current, { email: "x@example.test", password: "short" })).rejects.toThrow(
      CreateOwnerError,
    );
    await expect(createOwner(t.current, { email: "nope", password: PASSWORD })).rejects.toThrow(
      /not an email/,
    );

    const users = createUserRepository(t.current.db);
    await users.create({
      id: "d",
      email: "dev@example.test",
      name: "Dev",
      role: "developer",
      createdAt: "2024-01-01T00:00:00.000Z",
    });
    await users.update(first.user.id, { role: "owner" });
    const restored = await createOwner(t.current, {
      email: "dev@example.test",
      password: "the new long password",
      force: true,
    });
    expect(restored).toMatchObject({ created: false, user: { id: "d", role: "owner", name: "Dev" } });
    expect(await verifyPassword("the new long password", (await users.passwordHashOf("d"))!)).toBe(true);
    expect(await users.countOwners()).toBe(2);
  });
});
