import { describe, expect, it } from "vitest";
import { KeyedSemaphore } from "./keyed-semaphore.js";

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("KeyedSemaphore", () => {
  it("grants at most `permits` per key, first come first served, and passes a released permit on", async () => {
    const semaphore = new KeyedSemaphore(2);
    const order: string[] = [];
    const a = await semaphore.acquire("h");
    const b = await semaphore.acquire("h");
    const granted = (name: string) => (release: () => void) => {
      order.push(name);
      return release;
    };
    const c = semaphore.acquire("h").then(granted("c"));
    const d = semaphore.acquire("h").then(granted("d"));
    await tick();
    expect([semaphore.held("h"), semaphore.waiting("h"), order]).toEqual([2, 2, []]);
    a();
    a(); // a second release gives nothing back
    await tick();
    expect([semaphore.held("h"), semaphore.waiting("h"), order]).toEqual([2, 1, ["c"]]);
    b();
    (await c)();
    (await d)();
    expect([semaphore.held("h"), semaphore.waiting("h"), order]).toEqual([0, 0, ["c", "d"]]);
  });

  it("keeps keys independent", async () => {
    const semaphore = new KeyedSemaphore(1);
    await semaphore.acquire("a");
    const other = await Promise.race([semaphore.acquire("b"), tick().then(() => "blocked")]);
    expect(typeof other).toBe("function");
  });

  it("rejects an aborted wait with the signal's reason and gives its place to the next", async () => {
    const semaphore = new KeyedSemaphore(1);
    const release = await semaphore.acquire("h");
    const controller = new AbortController();
    const aborted = semaphore.acquire("h", controller.signal);
    const next = semaphore.acquire("h");
    controller.abort(new Error("stop"));
    await expect(aborted).rejects.toThrow("stop");
    expect(semaphore.waiting("h")).toBe(1);
    release();
    (await next)();
    expect(semaphore.held("h")).toBe(0);
    await expect(semaphore.acquire("h", AbortSignal.abort(new Error("already")))).rejects.toThrow("already");
  });

  it("refuses a count of permits that is not a whole number of at least 1", () => {
    expect(() => new KeyedSemaphore(0)).toThrow(RangeError);
    expect(() => new KeyedSemaphore(1.5)).toThrow(RangeError);
  });
});
