import { describe, expect, it } from "vitest";
import { createKeyedLock } from "./keyed-lock.js";

describe("createKeyedLock", () => {
  it("runs one piece of work per key at a time, in call order, and keys independently", async () => {
    const lock = createKeyedLock();
    const events: string[] = [];
    let releaseA!: () => void;
    const a1 = lock.run("a", async () => {
      events.push("a1 start");
      await new Promise<void>((resolve) => {
        releaseA = resolve;
      });
      events.push("a1 end");
      return 1;
    });
    const a2 = lock.run("a", async () => {
      events.push("a2");
      throw new Error("a2 failed");
    });
    const a3 = lock.run("a", async () => events.push("a3"));
    const b = lock.run("b", async () => events.push("b"));
    await b;
    expect(events).toEqual(["a1 start", "b"]);
    releaseA();
    expect(await a1).toBe(1);
    await expect(a2).rejects.toThrow("a2 failed");
    await a3;
    expect(events).toEqual(["a1 start", "b", "a1 end", "a2", "a3"]);
  });
});
