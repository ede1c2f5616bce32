import { describe, expect, it } from "vitest";
import { DIALECTS } from "../db/test-support/test-databases.js";
import { createApiTokenRepository } from "./api-token-repository.js";
import { secretHash } from "./secret-token.js";
import { storeDb } from "./store-schema.js";
import { at } from "./test-support/store-fixtures.js";
import { useStoreTestDatabase } from "./test-support/store-test-database.js";
import { createUserRepository } from "./user-repository.js";

describe.each(DIALECTS)("API token repository on %s", (dialect) => {
  const t = useStoreTestDatabase(dialect);
  const tokens = () => createApiTokenRepository(t.current.db);
  const seedUser = (id: string) =>
    createUserRepository(t.current.db).create({
      id,
      email: `${id}@x.test`,
      name: id,
      role: "developer",
      createdAt: at(0),
    });

  it("shows a vigil_pat_ token once and stores only its SHA-256", async () => {
    await seedUser("u1");
    const { token, record } = await tokens().create({ id: "t1", userId: "u1", name: "ci", createdAt: at(1) });
    expect(token).toMatch(/^vigil_pat_[\w-]{43}$/);
    expect(record).toEqual({ id: "t1", userId: "u1", name: "ci", createdAt: at(1) });
    const rows = await storeDb(t.current.db).selectFrom("api_tokens").selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token_hash).toBe(secretHash(token));
    expect(JSON.stringify(rows)).not.toContain(token.slice("vigil_pat_".length));
  });

  it("authenticates a live token to its user, noting the last use at most once a minute", async () => {
    await seedUser("u1");
    const { token } = await tokens().create({ id: "t1", userId: "u1", name: "ci", createdAt: at(1) });
    const found = await tokens().authenticate(token, new Date(at(10)));
    expect(found?.user).toMatchObject({ id: "u1", role: "developer" });
    expect(found?.token).toMatchObject({ id: "t1", name: "ci" });
    expect((await tokens().list("u1"))[0]!.lastUsedAt).toBe(at(10));
    await tokens().authenticate(token, new Date(Date.parse(at(10)) + 30_000));
    expect((await tokens().list("u1"))[0]!.lastUsedAt).toBe(at(10));
    await tokens().authenticate(token, new Date(Date.parse(at(10)) + 61_000));
    expect((await tokens().list("u1"))[0]!.lastUsedAt).toBe(
      new Date(Date.parse(at(10)) + 61_000).toISOString(),
    );

    expect(await tokens().authenticate(`${token}x`, new Date())).toBeUndefined();
    expect(await tokens().authenticate("not-a-vigil-token", new Date())).toBeUndefined();
  });

  it("revokes a user's own token only; a revoked token authenticates nobody", async () => {
    await seedUser("u1");
    await seedUser("u2");
    const { token } = await tokens().create({ id: "t1", userId: "u1", name: "ci", createdAt: at(1) });
    await tokens().create({ id: "t2", userId: "u1", name: "laptop", createdAt: at(2) });
    expect(await tokens().revoke("u2", "t1", at(3))).toBe(false);
    expect(await tokens().revoke("u1", "t1", at(3))).toBe(true);
    expect(await tokens().revoke("u1", "t1", at(4))).toBe(false);
    expect(await tokens().authenticate(token, new Date())).toBeUndefined();
    expect(await tokens().list("u1")).toEqual([
      { id: "t2", userId: "u1", name: "laptop", createdAt: at(2) },
      { id: "t1", userId: "u1", name: "ci", createdAt: at(1), revokedAt: at(3) },
    ]);
    expect(await tokens().list("u2")).toEqual([]);
  });
});
