import type { OsvRecord, SyncItem, SyncProblem } from "@vigil/core";
import { packageQueryKey } from "@vigil/core";
import { describe, expect, it } from "vitest";
import { createAdvisoryStore } from "./advisory-store.js";
import { advisoryItems, osv, syncOf } from "./test-support/sync-fixtures.js";
import { DIALECTS, useTestDatabase } from "./test-support/test-databases.js";

const T1 = "2024-06-01T00:00:00Z";
const T2 = "2024-06-02T00:00:00Z";
const T3 = "2024-06-03T00:00:00Z";
const DEBIAN = { name: "debian-osv", version: 1 };
const GHSA = { name: "ghsa", version: 2 };

const openssl = osv("DEBIAN-CVE-2024-0001", {
  upstream: ["CVE-2024-0001"],
  summary: "openssl issue",
  affected: [
    ["Debian:12", "openssl", "3.0.13-1"],
    ["Debian:11", "openssl", "1.1.1w-0+deb11u2"],
  ],
});
const curl = osv("DEBIAN-CVE-2024-0002", { upstream: ["CVE-2024-0002"], affected: [["Debian:12", "curl"]] });
const zlib = osv("DEBIAN-CVE-2024-0003", { upstream: ["CVE-2024-0003"], affected: [["Debian:12", "zlib"]] });
const dsa = osv("DSA-5600-1", {
  aliases: ["CVE-2024-0001", "CVE-2024-0002"],
  affected: [["Debian:12", "openssl"]],
});
const ghsa = osv("GHSA-aaaa-bbbb-cccc", {
  aliases: ["CVE-2024-0001", "PYSEC-2024-1"],
  database_specific: { severity: "HIGH" },
  affected: [["PyPI", "Foo_Bar.baz", "2.0"]],
});

describe.each(DIALECTS)("advisory store on %s", (dialect) => {
  const t = useTestDatabase(dialect);
  const store = () => createAdvisoryStore(t.current.db);
  const ids = async (source: string) =>
    (
      await t.current.db
        .selectFrom("advisory")
        .select("id")
        .where("source", "=", source)
        .orderBy("id")
        .execute()
    ).map((r) => r.id);

  it("stores a snapshot and reads it back unchanged, with provenance", async () => {
    const summary = await store().applySync({
      source: DEBIAN,
      result: syncOf(
        advisoryItems([openssl, curl, zlib], (id) => `https://security-tracker.debian.org/tracker/${id}`),
        { cursor: "etag-1" },
      ),
      now: T1,
    });
    expect(summary).toEqual({
      source: "debian-osv",
      mode: "snapshot",
      advisories: 3,
      removed: 0,
      kev: 0,
      epss: 0,
      problems: 0,
      total: 3,
    });
    const read = await store().advisories([openssl.id, "NOPE-1", curl.id]);
    expect([...read.keys()].sort()).toEqual([openssl.id, curl.id]);
    expect(read.get(openssl.id)).toEqual({
      record: openssl,
      source: "debian-osv",
      fetchedAt: T1,
      upstreamUrl: `https://security-tracker.debian.org/tracker/${openssl.id}`,
      severity: { level: "unknown", source: "none" },
    });
    expect(await store().sources()).toEqual([
      { name: "debian-osv", version: 1, cursor: "etag-1", lastSyncAt: T1, lastSuccessAt: T1, records: 3 },
    ]);
  });

  it("replaces a source's data on a snapshot: records removed upstream disappear", async () => {
    await store().applySync({
      source: DEBIAN,
      result: syncOf(advisoryItems([openssl, curl, zlib])),
      now: T1,
    });
    const changed = osv(openssl.id, {
      modified: "2024-06-02T00:00:00Z",
      upstream: ["CVE-2024-0001"],
      affected: [["Debian:12", "openssl-provider"]],
    });
    const summary = await store().applySync({
      source: DEBIAN,
      result: syncOf(advisoryItems([changed, curl])),
      now: T2,
    });
    expect(summary).toMatchObject({ advisories: 2, removed: 1, total: 2 });
    expect(await ids("debian-osv")).toEqual([openssl.id, curl.id].sort());
    const hits = await store().affectedBy([
      { ecosystemBase: "Debian", name: "openssl" },
      { ecosystemBase: "Debian", name: "openssl-provider" },
      { ecosystemBase: "Debian", name: "zlib" },
    ]);
    expect(hits.get(packageQueryKey({ ecosystemBase: "Debian", name: "openssl" }))).toEqual([]);
    expect(hits.get(packageQueryKey({ ecosystemBase: "Debian", name: "zlib" }))).toEqual([]);
    expect(
      hits
        .get(packageQueryKey({ ecosystemBase: "Debian", name: "openssl-provider" }))
        ?.map((h) => h.advisoryId),
    ).toEqual([openssl.id]);
    expect(await store().idsForAlias("CVE-2024-0003")).toEqual([]);
    expect((await store().advisories([openssl.id])).get(openssl.id)?.record.modified).toBe(
      "2024-06-02T00:00:00Z",
    );
    const aliasRows = await t.current.db.selectFrom("advisory_alias").selectAll().orderBy("alias").execute();
    expect(aliasRows.map((r) => r.alias)).toEqual(["CVE-2024-0001", "CVE-2024-0002"]);
  });

  it("upserts on an incremental sync and keeps what it does not mention", async () => {
    await store().applySync({ source: DEBIAN, result: syncOf(advisoryItems([openssl, curl])), now: T1 });
    const curl2 = osv(curl.id, {
      modified: "2024-06-02T00:00:00Z",
      affected: [["Debian:12", "curl", "8.5.0-2"]],
    });
    const summary = await store().applySync({
      source: DEBIAN,
      result: syncOf(advisoryItems([curl2, zlib]), { mode: "incremental", cursor: "c2" }),
      now: T2,
    });
    expect(summary).toMatchObject({ mode: "incremental", advisories: 2, removed: 0, total: 3 });
    expect(await ids("debian-osv")).toEqual([openssl.id, curl.id, zlib.id].sort());
    const hits = await store().affectedBy([{ ecosystemBase: "Debian", name: "curl" }]);
    const [hit] = hits.get(packageQueryKey({ ecosystemBase: "Debian", name: "curl" })) ?? [];
    expect(hit?.affected.ranges?.[0]?.events).toEqual([{ introduced: "0" }, { fixed: "8.5.0-2" }]);
    const advisory = (await store().advisories([curl.id])).get(curl.id);
    expect(advisory?.fetchedAt).toBe(T2);
    expect((await store().advisories([openssl.id])).get(openssl.id)?.fetchedAt).toBe(T1);
    expect((await store().sources())[0]).toMatchObject({ cursor: "c2", records: 3, lastSuccessAt: T2 });
  });

  it("the same id from two sources: the later sync owns it, and A's snapshot never deletes B's rows", async () => {
    await store().applySync({ source: DEBIAN, result: syncOf(advisoryItems([openssl, curl])), now: T1 });
    const takenOver = osv(curl.id, { aliases: ["GHSA-curl"], affected: [["Debian:12", "libcurl"]] });
    await store().applySync({ source: GHSA, result: syncOf(advisoryItems([takenOver, ghsa])), now: T2 });
    expect(await ids("debian-osv")).toEqual([openssl.id]);
    expect(await ids("ghsa")).toEqual([curl.id, ghsa.id].sort());
    // the old owner's aliases and affected entries went with it
    expect(await store().idsForAlias("CVE-2024-0002")).toEqual([]);
    expect(await store().idsForAlias("GHSA-curl")).toEqual([curl.id]);
    // the batch form answers the same, with every asked alias present
    const batch = await store().idsForAliases(["CVE-2024-0002", "GHSA-curl", curl.id, "nothing"]);
    expect(Object.fromEntries(batch)).toEqual({
      "CVE-2024-0002": [],
      "GHSA-curl": [curl.id],
      [curl.id]: [curl.id],
      nothing: [],
    });
    const hits = await store().affectedBy([
      { ecosystemBase: "Debian", name: "curl" },
      { ecosystemBase: "Debian", name: "libcurl" },
    ]);
    expect(hits.get(packageQueryKey({ ecosystemBase: "Debian", name: "curl" }))).toEqual([]);
    expect(hits.get(packageQueryKey({ ecosystemBase: "Debian", name: "libcurl" }))).toHaveLength(1);

    // A's next snapshot no longer holds curl: B's row stays, and is not counted as removed
    const summary = await store().applySync({
      source: DEBIAN,
      result: syncOf(advisoryItems([openssl])),
      now: T3,
    });
    expect(summary).toMatchObject({ removed: 0, total: 1 });
    expect(await ids("ghsa")).toEqual([curl.id, ghsa.id].sort());
    expect((await store().advisories([curl.id])).get(curl.id)?.source).toBe("ghsa");
    // and when A publishes it again, A takes it back
    await store().applySync({ source: DEBIAN, result: syncOf(advisoryItems([openssl, curl])), now: T3 });
    expect((await store().advisories([curl.id])).get(curl.id)?.source).toBe("debian-osv");
    expect(await ids("ghsa")).toEqual([ghsa.id]);
  });

  it("a sync whose items throw half-way changes nothing and records the error", async () => {
    const store2 = createAdvisoryStore(t.current.db, { batchSize: 10 });
    await store2.applySync({
      source: DEBIAN,
      result: syncOf(advisoryItems([openssl, curl, zlib]), { cursor: "good" }),
      now: T1,
    });
    const before = await store2.advisories([openssl.id, curl.id, zlib.id]);
    const many = Array.from({ length: 100 }, (_, i) =>
      osv(`DEBIAN-CVE-2099-${String(i).padStart(4, "0")}`, { affected: [["Debian:12", `pkg${i}`]] }),
    );
    // 50 items, flushed in batches of 10 inside the transaction, then the source fails
    await expect(
      store2.applySync({
        source: DEBIAN,
        result: syncOf(advisoryItems(many), { throwAt: 50, error: new Error("connection reset by peer") }),
        now: T2,
      }),
    ).rejects.toThrow("connection reset by peer");
    expect(await ids("debian-osv")).toEqual([openssl.id, curl.id, zlib.id].sort());
    expect(await store2.advisories([openssl.id, curl.id, zlib.id])).toEqual(before);
    const hits = await store2.affectedBy([
      { ecosystemBase: "Debian", name: "openssl" },
      { ecosystemBase: "Debian", name: "pkg1" },
    ]);
    expect(hits.get(packageQueryKey({ ecosystemBase: "Debian", name: "openssl" }))).toHaveLength(2);
    expect(hits.get(packageQueryKey({ ecosystemBase: "Debian", name: "pkg1" }))).toEqual([]);
    expect(await store2.sources()).toEqual([
      {
        name: "debian-osv",
        version: 1,
        cursor: "good",
        lastSyncAt: T2,
        lastSuccessAt: T1,
        records: 3,
        lastError: "connection reset by peer",
      },
    ]);
    // the next success clears the error
    await store2.applySync({ source: DEBIAN, result: syncOf(advisoryItems([openssl])), now: T3 });
    expect((await store2.sources())[0]).toEqual({
      name: "debian-osv",
      version: 1,
      lastSyncAt: T3,
      lastSuccessAt: T3,
      records: 1,
    });
  });

  it("a sync aborted through its signal changes nothing and records the abort", async () => {
    const store2 = createAdvisoryStore(t.current.db, { batchSize: 5 });
    await store2.applySync({ source: DEBIAN, result: syncOf(advisoryItems([openssl, curl])), now: T1 });
    const controller = new AbortController();
    const many = Array.from({ length: 40 }, (_, i) => osv(`X-${i}`, { affected: [["Debian:12", `p${i}`]] }));
    const error = await store2
      .applySync({
        source: DEBIAN,
        result: syncOf(advisoryItems(many), { beforeItem: (i) => i === 23 && controller.abort() }),
        now: T2,
        signal: controller.signal,
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe("AbortError");
    expect(await ids("debian-osv")).toEqual([openssl.id, curl.id].sort());
    const [state] = await store2.sources();
    expect(state).toMatchObject({ lastSyncAt: T2, lastSuccessAt: T1, records: 2 });
    expect(state?.lastError).toMatch(/AbortError/);

    // a signal aborted before the sync starts: nothing is read, the error is recorded too
    const aborted = AbortSignal.abort(new Error("shutting down"));
    await expect(
      store2.applySync({ source: GHSA, result: syncOf(advisoryItems([ghsa])), now: T3, signal: aborted }),
    ).rejects.toThrow("shutting down");
    expect(await store2.sources()).toContainEqual({
      name: "ghsa",
      version: 2,
      lastSyncAt: T3,
      records: 0,
      lastError: "shutting down",
    });
    expect(await ids("ghsa")).toEqual([]);
  });

  it("counts problems, reports each, and stores the good records", async () => {
    const problems: SyncProblem[] = [];
    const items: SyncItem[] = [
      ...advisoryItems([openssl]),
      {
        kind: "problem",
        problem: { id: "DEBIAN-CVE-BAD", location: "DEBIAN-CVE-BAD.json", reason: "not JSON" },
      },
      {
        kind: "advisory",
        record: { id: "NO-MODIFIED" } as unknown as OsvRecord,
        upstreamUrl: "file:///x.json",
      },
      {
        kind: "advisory",
        record: {
          id: "BAD-AFFECTED",
          modified: T1,
          affected: [{ package: { name: "x" } }],
        } as unknown as OsvRecord,
      },
      ...advisoryItems([curl]),
    ];
    const summary = await store().applySync({
      source: DEBIAN,
      result: syncOf(items),
      now: T1,
      onProblem: (p) => problems.push(p),
    });
    expect(summary).toMatchObject({ advisories: 2, problems: 3, total: 2 });
    expect(problems).toEqual([
      { id: "DEBIAN-CVE-BAD", location: "DEBIAN-CVE-BAD.json", reason: "not JSON" },
      { id: "NO-MODIFIED", location: "file:///x.json", reason: "advisory not stored: no modified time" },
      {
        id: "BAD-AFFECTED",
        location: "debian-osv",
        reason: "advisory not stored: affected[0].package lacks an ecosystem or name",
      },
    ]);
  });

  it("answers a batch of package queries: full ecosystems, normalized names, every query keyed", async () => {
    const withdrawn = osv("GHSA-gone-gone-gone", {
      withdrawn: "2024-05-05T00:00:00Z",
      affected: [["PyPI", "foo-bar-baz"]],
    });
    const noPackage = osv("OSV-2024-1", {
      affected: [{ ranges: [{ type: "GIT", events: [{ introduced: "0" }] }] }],
    });
    await store().applySync({
      source: DEBIAN,
      result: syncOf(advisoryItems([openssl, curl, zlib, dsa])),
      now: T1,
    });
    await store().applySync({
      source: GHSA,
      result: syncOf(advisoryItems([ghsa, withdrawn, noPackage])),
      now: T1,
    });
    const queries = [
      { ecosystemBase: "Debian", name: "openssl" },
      { ecosystemBase: "Debian", name: "curl" },
      { ecosystemBase: "Debian", name: "not-there" },
      { ecosystemBase: "PyPI", name: "foo-bar-baz" },
      { ecosystemBase: "PyPI", name: "FOO__bar.Baz" },
      { ecosystemBase: "Alpine", name: "openssl" },
    ];
    const hits = await store().affectedBy(queries);
    expect([...hits.keys()]).toEqual(queries.map(packageQueryKey));
    expect(hits.get(packageQueryKey(queries[0]!))?.map((h) => [h.advisoryId, h.ecosystem, h.name])).toEqual([
      ["DEBIAN-CVE-2024-0001", "Debian:12", "openssl"],
      ["DEBIAN-CVE-2024-0001", "Debian:11", "openssl"],
      ["DSA-5600-1", "Debian:12", "openssl"],
    ]);
    expect(hits.get(packageQueryKey(queries[0]!))?.[1]?.affected).toEqual(openssl.affected?.[1]);
    // with a release, only that release's entries are fetched
    const only11 = { ecosystemBase: "Debian", name: "openssl", release: "11" };
    const released = await store().affectedBy([only11, queries[0]!]);
    expect(released.get(packageQueryKey(only11))?.map((h) => [h.advisoryId, h.ecosystem])).toEqual([
      ["DEBIAN-CVE-2024-0001", "Debian:11"],
    ]);
    expect(released.get(packageQueryKey(queries[0]!))).toHaveLength(3);
    expect(hits.get(packageQueryKey(queries[2]!))).toEqual([]);
    expect(hits.get(packageQueryKey(queries[5]!))).toEqual([]);
    // PEP 503: both spellings find the entry, which keeps the name as the advisory wrote it;
    // the withdrawn advisory is not offered to matching
    for (const q of [queries[3]!, queries[4]!]) {
      expect(hits.get(packageQueryKey(q))?.map((h) => [h.advisoryId, h.name])).toEqual([
        ["GHSA-aaaa-bbbb-cccc", "Foo_Bar.baz"],
      ]);
    }
    // but it stays readable by id
    expect((await store().advisories([withdrawn.id])).get(withdrawn.id)?.record.withdrawn).toBe(
      "2024-05-05T00:00:00Z",
    );
    expect(await store().affectedBy([])).toEqual(new Map());
  });

  it("finds advisories by alias in both directions (CVE ↔ DSA/GHSA)", async () => {
    const cve = osv("CVE-2024-0001", { aliases: ["GHSA-aaaa-bbbb-cccc"] });
    await store().applySync({ source: DEBIAN, result: syncOf(advisoryItems([openssl, curl, dsa])), now: T1 });
    await store().applySync({ source: GHSA, result: syncOf(advisoryItems([ghsa, cve])), now: T1 });
    expect(await store().idsForAlias("CVE-2024-0001")).toEqual([
      "CVE-2024-0001",
      "DEBIAN-CVE-2024-0001",
      "DSA-5600-1",
      "GHSA-aaaa-bbbb-cccc",
    ]);
    expect(await store().idsForAlias("CVE-2024-0002")).toEqual(["DEBIAN-CVE-2024-0002", "DSA-5600-1"]);
    expect(await store().idsForAlias("GHSA-aaaa-bbbb-cccc")).toEqual([
      "CVE-2024-0001",
      "GHSA-aaaa-bbbb-cccc",
    ]);
    expect(await store().idsForAlias("DSA-5600-1")).toEqual(["DSA-5600-1"]);
    expect(await store().idsForAlias("PYSEC-2024-1")).toEqual(["GHSA-aaaa-bbbb-cccc"]);
    expect(await store().idsForAlias("CVE-1999-9999")).toEqual([]);
  });

  it("keeps KEV and EPSS per CVE, each owned by its source", async () => {
    const kevSource = { name: "cisa-kev", version: 1 };
    const epssSource = { name: "first-epss", version: 1 };
    const kev = (cve: string, extra: object = {}): SyncItem => ({
      kind: "kev",
      cve,
      dateAdded: "2024-01-10",
      ...extra,
    });
    const epss = (cve: string, score: number): SyncItem => ({
      kind: "epss",
      cve,
      score,
      percentile: 0.5,
      date: "2024-06-01",
    });
    await store().applySync({
      source: kevSource,
      result: syncOf([
        kev("CVE-2024-0001", { dueDate: "2024-01-31", ransomware: true }),
        kev("CVE-2024-0002"),
      ]),
      now: T1,
    });
    const summary = await store().applySync({
      source: epssSource,
      result: syncOf([
        epss("CVE-2024-0001", 0.97),
        epss("CVE-2024-0003", 0.00043),
        epss("CVE-2024-0003", 0.00044),
      ]),
      now: T1,
    });
    expect(summary).toMatchObject({ advisories: 0, kev: 0, epss: 2, total: 0 });
    const e = await store().enrichment(["CVE-2024-0001", "CVE-2024-0002", "CVE-2024-0003", "CVE-2024-9999"]);
    expect([...e.values()]).toEqual([
      {
        cve: "CVE-2024-0001",
        kev: { dateAdded: "2024-01-10", dueDate: "2024-01-31", ransomware: true },
        epss: { score: 0.97, percentile: 0.5, date: "2024-06-01" },
      },
      { cve: "CVE-2024-0002", kev: { dateAdded: "2024-01-10" } },
      { cve: "CVE-2024-0003", epss: { score: 0.00044, percentile: 0.5, date: "2024-06-01" } },
    ]);
    // a KEV snapshot replaces KEV only; EPSS rows stay
    await store().applySync({
      source: kevSource,
      result: syncOf([kev("CVE-2024-0002", { ransomware: false })]),
      now: T2,
    });
    const after = await store().enrichment(["CVE-2024-0001", "CVE-2024-0002"]);
    expect(after.get("CVE-2024-0001")).toEqual({
      cve: "CVE-2024-0001",
      epss: { score: 0.97, percentile: 0.5, date: "2024-06-01" },
    });
    expect(after.get("CVE-2024-0002")?.kev).toEqual({ dateAdded: "2024-01-10", ransomware: false });
    // incremental EPSS update
    await store().applySync({
      source: epssSource,
      result: syncOf([epss("CVE-2024-0001", 0.5)], { mode: "incremental" }),
      now: T2,
    });
    expect((await store().enrichment(["CVE-2024-0001", "CVE-2024-0003"])).size).toBe(2);
    expect((await store().enrichment(["CVE-2024-0001"])).get("CVE-2024-0001")?.epss?.score).toBe(0.5);
    // another source taking a KEV row over: the first source's snapshot leaves it alone
    await store().applySync({
      source: { name: "kev-mirror", version: 1 },
      result: syncOf([kev("CVE-2024-0002")]),
      now: T3,
    });
    await store().applySync({ source: kevSource, result: syncOf([]), now: T3 });
    expect((await store().enrichment(["CVE-2024-0002"])).get("CVE-2024-0002")?.kev).toEqual({
      dateAdded: "2024-01-10",
    });
    expect((await store().sources()).map((s) => [s.name, s.records])).toEqual([
      ["cisa-kev", 0],
      ["first-epss", 2],
      ["kev-mirror", 1],
    ]);
  });

  it("reports records per source and per ecosystem", async () => {
    await store().applySync({ source: DEBIAN, result: syncOf(advisoryItems([openssl, curl, dsa])), now: T1 });
    await store().applySync({
      source: GHSA,
      result: syncOf([
        ...advisoryItems([ghsa]),
        { kind: "kev", cve: "CVE-2024-0001", dateAdded: "2024-01-01" },
      ]),
      now: T1,
    });
    expect(await store().stats()).toEqual({
      sources: [
        { source: "debian-osv", advisories: 3, kev: 0, epss: 0 },
        { source: "ghsa", advisories: 1, kev: 1, epss: 0 },
      ],
      ecosystems: [
        { ecosystemBase: "Debian", advisories: 3, packages: 2 },
        { ecosystemBase: "PyPI", advisories: 1, packages: 1 },
      ],
      totals: { advisories: 4, aliases: 6, affected: 5, kev: 1, epss: 0 },
    });
    expect((await store().sources()).map((s) => [s.name, s.records])).toEqual([
      ["debian-osv", 3],
      ["ghsa", 2],
    ]);
  });

  it("concurrent syncs of one source queue: the result is one of them whole, never a mix", async () => {
    const small = createAdvisoryStore(t.current.db, { batchSize: 3 });
    const a = Array.from({ length: 20 }, (_, i) => osv(`A-${i}`, { affected: [["Debian:12", "a"]] }));
    const b = Array.from({ length: 20 }, (_, i) => osv(`B-${i}`, { affected: [["Debian:12", "b"]] }));
    // on PostgreSQL these run on two pooled connections; on SQLite on the one connection
    const [first, second] = await Promise.all([
      small.applySync({ source: DEBIAN, result: syncOf(advisoryItems(a), { delayMs: 2 }), now: T1 }),
      small.applySync({ source: DEBIAN, result: syncOf(advisoryItems(b), { delayMs: 2 }), now: T2 }),
    ]);
    expect(first.total).toBe(20);
    expect(second.total).toBe(20);
    const stored = await ids("debian-osv");
    expect(stored).toHaveLength(20);
    expect(stored.every((id) => id.startsWith("A-")) || stored.every((id) => id.startsWith("B-"))).toBe(true);
  });

  it("a duplicate id within one sync: the last one wins", async () => {
    const first = osv(curl.id, { summary: "first", affected: [["Debian:12", "curl"]] });
    const second = osv(curl.id, { summary: "second", affected: [["Debian:12", "curl"]] });
    const store2 = createAdvisoryStore(t.current.db, { batchSize: 2 });
    const summary = await store2.applySync({
      source: DEBIAN,
      result: syncOf(advisoryItems([first, openssl, zlib, second])),
      now: T1,
    });
    expect(summary).toMatchObject({ advisories: 3, total: 3 });
    expect((await store2.advisories([curl.id])).get(curl.id)?.record.summary).toBe("second");
    const hits = await store2.affectedBy([{ ecosystemBase: "Debian", name: "curl" }]);
    expect(hits.get(packageQueryKey({ ecosystemBase: "Debian", name: "curl" }))).toHaveLength(1);
  });
});
