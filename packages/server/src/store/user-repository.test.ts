import { describe, expect, it } from "vitest";
import { DIALECTS } from "../db/test-support/test-databases.js";
import { StoreConflictError } from "./store-errors.js";
import { at } from "./test-support/store-fixtures.js";
import { useStoreTestDatabase } from "./test-support/store-test-database.js";
import { createUserRepository, LastOwnerError } from "./user-repository.js";

describe.each(DIALECTS)("user repository on %s", (dialect) => {
  const t = useStoreTestDatabase(dialect);
  const users = () => createUserRepository(t.current.db);

  it("creates users with lower-cased unique emails, reads them by id and email, lists by email", async () => {
    expect(await users().count()).toBe(0);
    const ann = await users().create({
      id: "u1",
      email: " Ann@Example.ORG ",
      name: "Ann",
      role: "owner",
      passwordHash: "scrypt$x",
      createdAt: at(0),
    });
    expect(ann).toEqual({
      id: "u1",
      email: "ann@example.org",
      name: "Ann",
      role: "owner",
      createdAt: at(0),
      hasPassword: true,
    });
    await users().create({
      id: "u2",
      email: "bob@example.org",
      name: "Bob",
      role: "guest",
      createdAt: at(1),
    });
    await expect(
      users().create({ id: "u3", email: "ANN@example.org", name: "x", role: "guest", createdAt: at(2) }),
    ).rejects.toThrow(StoreConflictError);
    expect(await users().get("u1")).toEqual(ann);
    expect(await users().getByEmail("ANN@EXAMPLE.org")).toEqual(ann);
    expect(await users().getByEmail("nobody@example.org")).toBeUndefined();
    expect(await users().passwordHashOf("u1")).toBe("scrypt$x");
    expect(await users().passwordHashOf("u2")).toBeUndefined();
    expect((await users().list()).map((u) => u.email)).toEqual(["ann@example.org", "bob@example.org"]);
    expect(await users().count()).toBe(2);
    expect(await users().countOwners()).toBe(1);
  });

  it("changes role, name, password and disabled state; never leaves no enabled owner", async () => {
    await users().create({ id: "o1", email: "o1@x.test", name: "O1", role: "owner", createdAt: at(0) });
    await users().create({ id: "d1", email: "d1@x.test", name: "D1", role: "developer", createdAt: at(0) });
    await expect(users().update("o1", { role: "maintainer" })).rejects.toThrow(LastOwnerError);
    await expect(users().update("o1", { disabledAt: at(5) })).rejects.toThrow(/last enabled owner/);
    expect(await users().get("o1")).toMatchObject({ role: "owner" });
    expect((await users().get("o1"))?.disabledAt).toBeUndefined();

    expect(await users().update("d1", { role: "owner", name: "Dee", passwordHash: "h" })).toMatchObject({
      role: "owner",
      name: "Dee",
      hasPassword: true,
    });
    expect(await users().update("o1", { disabledAt: at(6) })).toMatchObject({ disabledAt: at(6) });
    expect(await users().countOwners()).toBe(1);
    await expect(users().update("d1", { role: "guest" })).rejects.toThrow(LastOwnerError);
    expect(await users().update("o1", { disabledAt: null })).not.toHaveProperty("disabledAt");
    expect(await users().update("d1", { role: "guest" })).toMatchObject({ role: "guest" });
    expect(await users().update("nobody", { role: "guest" })).toBeUndefined();
  });

  it("lets only one of two owners demoting each other at once succeed", async () => {
    await users().create({ id: "o1", email: "o1@x.test", name: "O1", role: "owner", createdAt: at(0) });
    await users().create({ id: "o2", email: "o2@x.test", name: "O2", role: "owner", createdAt: at(0) });
    const results = await Promise.allSettled([
      users().update("o1", { role: "developer" }),
      users().update("o2", { role: "developer" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(await users().countOwners()).toBe(1);
  });
});
