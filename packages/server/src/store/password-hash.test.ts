import { describe, expect, it } from "vitest";
import {
  hashPassword,
  PASSWORD_HASH_PARAMETERS,
  unusablePasswordHash,
  verifyPassword,
} from "./password-hash.js";

describe("password hashes", () => {
  it("are salted scrypt with their parameters in the string, and verify only the right password", async () => {
    const a = await hashPassword("correct horse");
    const b = await hashPassword("correct horse");
    expect(a).toMatch(/^scrypt\$ln=15,r=8,p=1\$[\w-]{22}\$[\w-]{43}$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword("correct horse", a)).toBe(true);
    expect(await verifyPassword("correct horse", b)).toBe(true);
    expect(await verifyPassword("correct hors", a)).toBe(false);
    expect(await verifyPassword("", a)).toBe(false);
  });

  it("verifies hashes made with other parameters (they travel in the string)", async () => {
    const cheap = await hashPassword("pw", { ln: 10, r: 4, p: 1 });
    expect(cheap).toMatch(/^scrypt\$ln=10,r=4,p=1\$/);
    expect(await verifyPassword("pw", cheap)).toBe(true);
    expect(PASSWORD_HASH_PARAMETERS).toEqual({ ln: 15, r: 8, p: 1 });
  });

  it("verifies nothing against a damaged hash or one asking for absurd memory", async () => {
    const good = await hashPassword("pw");
    expect(await verifyPassword("pw", "")).toBe(false);
    expect(await verifyPassword("pw", "pw")).toBe(false);
    expect(await verifyPassword("pw", good.replace("ln=15", "ln=30"))).toBe(false);
    expect(await verifyPassword("pw", good.slice(0, -4))).toBe(false);
    expect(await verifyPassword("pw", `argon2id$${good}`)).toBe(false);
  });

  it("has an unusable hash that no short password matches", async () => {
    const hash = await unusablePasswordHash();
    expect(await unusablePasswordHash()).toBe(hash);
    expect(await verifyPassword("", hash)).toBe(false);
    expect(await verifyPassword("password", hash)).toBe(false);
  });
});
