import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { ADVISORY_LOCK_SPACES, createAdvisoryKeyedLock, lockKeySql } from "./advisory-locks.js";
import { createLeaderElection } from "./leader-election.js";
import { useTestDatabase } from "./test-support/test-databases.js";

// Locks and leadership across processes: each lock or election over its own database handle
// (its own pool and connections), as two processes would have.
const silent = pino({ level: "silent" });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("PostgreSQL advisory locks", () => {
  const database = useTestDatabase("postgres");

  it("run work for one key in one holder at a time, and different keys at once", async () => {
    const spans: { who: string; key: string; from: number; to: number }[] = [];
    const locks = [0, 1, 2].map(() =>
      createAdvisoryKeyedLock(database.reopen().db, ADVISORY_LOCK_SPACES.digest, { retryMs: 10 }),
    );
    const work = (who: string, key: string) => async () => {
      const from = performance.now();
      await sleep(60);
      spans.push({ who, key, from, to: performance.now() });
      return who;
    };
    const results = await Promise.all([
      locks[0]!.run("sha256:a", work("0", "sha256:a")),
      locks[1]!.run("sha256:a", work("1", "sha256:a")),
      locks[2]!.run("sha256:a", work("2", "sha256:a")),
      locks[1]!.run("sha256:b", work("1b", "sha256:b")),
    ]);
    expect(results).toEqual(["0", "1", "2", "1b"]);
    const same = spans.filter((s) => s.key === "sha256:a").sort((x, y) => x.from - y.from);
    for (let i = 1; i < same.length; i++) expect(same[i]!.from).toBeGreaterThanOrEqual(same[i - 1]!.to);
    // another key is not held up by the first key's queue
    const other = spans.find((s) => s.key === "sha256:b")!;
    expect(other.to).toBeLessThan(same[same.length - 1]!.from);
  });

  it("release the lock when the work throws", async () => {
    const a = createAdvisoryKeyedLock(database.reopen().db, ADVISORY_LOCK_SPACES.digest, { retryMs: 10 });
    const b = createAdvisoryKeyedLock(database.reopen().db, ADVISORY_LOCK_SPACES.digest, { retryMs: 10 });
    await expect(a.run("k", async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await b.run("k", async () => "free")).toBe("free");
  });
});

describe("leader election", () => {
  const database = useTestDatabase("postgres");

  it("elects one leader; another takes over when it goes, and a stopped election leads no more", async () => {
    const changes: string[] = [];
    const elect = (name: string) =>
      createLeaderElection({
        db: database.reopen().db,
        name: "scheduler",
        retryMs: 50,
        logger: silent,
        onChange: (leader) => void changes.push(`${name}:${leader}`),
      });
    const first = elect("first");
    await first.firstTry;
    const second = elect("second");
    await second.firstTry;
    expect([first.isLeader(), second.isLeader()]).toEqual([true, false]);
    await sleep(200);
    expect(second.isLeader()).toBe(false);

    await first.stop();
    expect(first.isLeader()).toBe(false);
    const deadline = Date.now() + 5000;
    while (!second.isLeader() && Date.now() < deadline) await sleep(10);
    expect(second.isLeader()).toBe(true);
    expect(changes).toEqual(["first:true", "first:false", "second:true"]);
    await second.stop();
    expect(changes).toEqual(["first:true", "first:false", "second:true", "second:false"]);
  });

  it("steps down when its connection is killed, and the follower takes over", async () => {
    const leaderDb = database.reopen().db;
    const leader = createLeaderElection({
      db: leaderDb,
      name: "scheduler",
      retryMs: 50,
      logger: silent,
      onChange: () => {},
    });
    await leader.firstTry;
    const follower = createLeaderElection({
      db: database.reopen().db,
      name: "scheduler",
      retryMs: 50,
      logger: silent,
      onChange: () => {},
    });
    expect(leader.isLeader()).toBe(true);
    // what a crash does: the backend holding the lock goes away. Only this schema's lock:
    // the database is shared, and a scheduler of another schema (a parallel test file, a
    // soak run) holds a lock in the same space under another key.
    const { sql } = await import("kysely");
    await sql`select pg_terminate_backend(pid) from pg_locks where locktype = 'advisory' and classid = ${ADVISORY_LOCK_SPACES.scheduler} and objid = (${lockKeySql("leader:scheduler")})::oid and granted`.execute(
      database.current.db,
    );
    const deadline = Date.now() + 5000;
    while (!(follower.isLeader() && !leader.isLeader()) && Date.now() < deadline) await sleep(10);
    expect([leader.isLeader(), follower.isLeader()]).toEqual([false, true]);
    await follower.stop();
    await leader.stop();
  });
});
