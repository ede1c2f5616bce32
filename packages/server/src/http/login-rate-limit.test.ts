import { describe, expect, it } from "vitest";
import { DIALECTS } from "../db/test-support/test-databases.js";
import { storeDb } from "../store/store-schema.js";
import { useStoreTestDatabase } from "../store/test-support/store-test-database.js";
import { createLoginRateLimit } from "./login-rate-limit.js";

describe.each(DIALECTS)("login rate limit on %s", (dialect) => {
  const t = useStoreTestDatabase(dialect);

  it("refuses a key after its failures fill the window, until the oldest leaves it", async () => {
    let now = 0;
    const limit = createLoginRateLimit(t.current.db, {
      maxFailures: 3,
      windowMs: 60_000,
      now: () => new Date(now),
    });
    await limit.fail("a");
    now = 10_000;
    await limit.fail("a");
    now = 20_000;
    expect(await limit.retryAfter("a")).toBe(0);
    await limit.fail("a");
    expect(await limit.retryAfter("a")).toBe(40);
    expect(await limit.retryAfter("b")).toBe(0);
    now = 59_999;
    expect(await limit.retryAfter("a")).toBe(1);
    now = 60_000;
    // the first failure left the window: two remain
    expect(await limit.retryAfter("a")).toBe(0);
    await limit.fail("a");
    expect(await limit.retryAfter("a")).toBe(10);
    await limit.reset("a");
    expect(await limit.retryAfter("a")).toBe(0);
  });

  it("is shared by every server on the database, and keeps no failure past the window nor any key in clear", async () => {
    let now = 0;
    const options = { maxFailures: 2, windowMs: 1_000, now: () => new Date(now) };
    // two servers, each with its own limit over the same database
    const one = createLoginRateLimit(t.current.db, options);
    const two = createLoginRateLimit(t.current.db, options);
    await one.fail("email:ann@example.test");
    await two.fail("email:ann@example.test");
    expect(await one.retryAfter("email:ann@example.test")).toBe(1);
    expect(await two.retryAfter("email:ann@example.test")).toBe(1);
    for (let i = 0; i < 50; i++) await one.fail(`email:made-up-${i}@example.test`);
    now = 5_000;
    await two.fail("email:fresh@example.test");
    const rows = await storeDb(t.current.db).selectFrom("login_failures").selectAll().execute();
    // what left the window was deleted with the next failure
    expect(rows).toHaveLength(1);
    expect(rows[0]!.key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows)).not.toContain("example.test");
  });
});
