import type { PackageQuery, SyncItem } from "@vigil/core";
import { describe, expect, it } from "vitest";
import { type AdvisoryStore, createAdvisoryStore } from "./advisory-store.js";
import { AdvisoryImportError, EXPORT_FORMAT } from "./advisory-transfer.js";
import { advisoryItems, osv, syncOf } from "./test-support/sync-fixtures.js";
import { DIALECTS, useTestDatabase } from "./test-support/test-databases.js";

const T1 = "2024-06-01T00:00:00Z";
const T2 = "2024-06-02T00:00:00Z";

/** A store with a bit of everything: two advisory sources, KEV, EPSS, a failed sync, odd text. */
async function populate(store: AdvisoryStore): Promise<void> {
  await store.importAll([
    JSON.stringify({ format: EXPORT_FORMAT, version: 1 }),
    JSON.stringify({
      type: "advisory",
      source: "ghsa",
      fetchedAt: T1,
      upstreamUrl: "https://github.com/advisories/GHSA-1111-2222-3333",
      severity: {
        level: "high",
        source: "cvss-v3",
        score: 7.5,
        vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N",
      },
      record: osv("GHSA-1111-2222-3333", {
        aliases: ["CVE-2024-1000"],
        summary: 'Ünïcödé \u2028 and "quotes" and \\ backslashes',
        affected: [["PyPI", "Django", "4.2.11"]],
      }),
    }),
  ]);
  await store.applySync({
    source: { name: "debian-osv", version: 3 },
    result: syncOf(
      advisoryItems(
        [
          osv("DEBIAN-CVE-2024-1000", {
            upstream: ["CVE-2024-1000"],
            affected: [["Debian:12", "python-django"]],
          }),
          osv("DSA-5700-1", {
            aliases: ["CVE-2024-1000"],
            affected: [["Debian:12", "python-django", "3:4.2.11-1"]],
          }),
          osv("DEBIAN-CVE-2023-0001", {
            withdrawn: "2024-01-01T00:00:00Z",
            affected: [["Debian:11", "old"]],
          }),
          osv("DEBIAN-CVE-2024-2000", {
            published: "2024-02-02T00:00:00Z",
            affected: [["Debian:12", "openssl"], ["Debian:13", "openssl"], { ranges: [] }],
          }),
        ],
        (id) => `https://security-tracker.debian.org/tracker/${id}`,
      ),
      { cursor: 'etag-"42"' },
    ),
    now: T1,
  });
  const enrichment: SyncItem[] = [
    { kind: "kev", cve: "CVE-2024-1000", dateAdded: "2024-03-01", dueDate: "2024-03-22", ransomware: false },
    { kind: "kev", cve: "CVE-2021-44228", dateAdded: "2021-12-10", ransomware: true },
    { kind: "epss", cve: "CVE-2024-1000", score: 0.00043, percentile: 0.11235, date: "2024-06-01" },
    { kind: "epss", cve: "CVE-2021-44228", score: 0.97565, percentile: 0.99996, date: "2024-06-01" },
  ];
  await store.applySync({ source: { name: "enrichment", version: 1 }, result: syncOf(enrichment), now: T1 });
  await store
    .applySync({
      source: { name: "debian-osv", version: 3 },
      result: syncOf([], { throwAt: 0, error: new Error("HTTP 503 from upstream") }),
      now: T2,
    })
    .catch(() => {});
}

async function exportLines(store: AdvisoryStore): Promise<string[]> {
  const lines: string[] = [];
  await store.exportAll(async (line) => {
    lines.push(line);
  });
  return lines;
}

const QUERIES: PackageQuery[] = [
  { ecosystemBase: "Debian", name: "python-django" },
  { ecosystemBase: "Debian", name: "openssl" },
  { ecosystemBase: "Debian", name: "old" },
  { ecosystemBase: "PyPI", name: "django" },
];

/** Everything a reader can see, for comparing two stores. */
async function view(store: AdvisoryStore) {
  const ids = [
    "GHSA-1111-2222-3333",
    "DEBIAN-CVE-2024-1000",
    "DSA-5700-1",
    "DEBIAN-CVE-2023-0001",
    "DEBIAN-CVE-2024-2000",
  ];
  return {
    advisories: [...(await store.advisories(ids))].sort(),
    affected: [...(await store.affectedBy(QUERIES))],
    aliases: await store.idsForAlias("CVE-2024-1000"),
    enrichment: [...(await store.enrichment(["CVE-2024-1000", "CVE-2021-44228"]))],
    sources: await store.sources(),
    stats: await store.stats(),
  };
}

describe.each(DIALECTS)("export and import on %s", (dialect) => {
  const t = useTestDatabase(dialect);

  it("exports JSON Lines: header, sources, advisories, KEV, EPSS, each sorted", async () => {
    const store = createAdvisoryStore(t.current.db);
    await populate(store);
    const lines = await exportLines(store);
    const parsed = lines.map((line) => JSON.parse(line));
    expect(parsed[0]).toEqual({ format: "vigil-advisory-store", version: 1 });
    expect(parsed.slice(1).map((p) => `${p.type} ${p.name ?? p.record?.id ?? p.cve}`)).toEqual([
      "source debian-osv",
      "source enrichment",
      "advisory DEBIAN-CVE-2023-0001",
      "advisory DEBIAN-CVE-2024-1000",
      "advisory DEBIAN-CVE-2024-2000",
      "advisory DSA-5700-1",
      "advisory GHSA-1111-2222-3333",
      "kev CVE-2021-44228",
      "kev CVE-2024-1000",
      "epss CVE-2021-44228",
      "epss CVE-2024-1000",
    ]);
    expect(parsed[1]).toEqual({
      type: "source",
      name: "debian-osv",
      version: 3,
      cursor: 'etag-"42"',
      lastSyncAt: T2,
      lastSuccessAt: T1,
      records: 4,
      lastError: "HTTP 503 from upstream",
    });
    expect(parsed[7]).toMatchObject({
      type: "advisory",
      source: "ghsa",
      fetchedAt: T1,
      severity: { level: "high", source: "cvss-v3", score: 7.5 },
    });
  });

  it("round-trips: an import of an export exports the same bytes and reads the same", async () => {
    const store = createAdvisoryStore(t.current.db);
    await populate(store);
    const lines = await exportLines(store);
    const before = await view(store);
    const other = createAdvisoryStore(t.reopen().db);
    // import replaces whatever was there, including the exported rows themselves
    expect(await other.importAll(lines)).toEqual({ sources: 2, advisories: 5, kev: 2, epss: 2 });
    expect(await exportLines(store)).toEqual(lines);
    expect(await view(store)).toEqual(before);
  });

  it("an import that fails part-way leaves the store as it was", async () => {
    const store = createAdvisoryStore(t.current.db, { batchSize: 2 });
    await populate(store);
    const lines = await exportLines(store);
    const before = await view(store);
    const replacement = [
      JSON.stringify({ format: EXPORT_FORMAT, version: 1 }),
      ...Array.from({ length: 9 }, (_, i) =>
        JSON.stringify({
          type: "advisory",
          source: "x",
          fetchedAt: T2,
          severity: { level: "low", source: "database" },
          record: osv(`X-${i}`, { affected: [["Debian:12", "openssl"]] }),
        }),
      ),
      '{"type":"advisory","source":"x","fetchedAt":"t","severity":{"level":"extreme","source":"x"},"record":{"id":"Y","modified":"t"}}',
    ];
    const error = await store.importAll(replacement).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdvisoryImportError);
    expect((error as AdvisoryImportError).line).toBe(11);
    expect((error as Error).message).toBe("line 11: advisory without a valid severity");
    expect(await view(store)).toEqual(before);
    expect(await exportLines(store)).toEqual(lines);
  });

  it("refuses input that is not a Vigil export, naming the line", async () => {
    const store = createAdvisoryStore(t.current.db);
    const header = JSON.stringify({ format: EXPORT_FORMAT, version: 1 });
    const cases: [string[], string][] = [
      [[], "empty input: no export header"],
      [
        ['{"id":"GHSA-x"}'],
        'line 1: not a Vigil advisory export (no "format": "vigil-advisory-store" header)',
      ],
      [
        [JSON.stringify({ format: EXPORT_FORMAT, version: 2 })],
        "line 1: export format version 2 is not supported",
      ],
      [[header, "", "{oops"], "line 3: not JSON"],
      [[header, '{"type":"cvss"}'], 'line 2: unknown line type "cvss"'],
      [
        [
          header,
          '{"type":"kev","cve":"CVE-1","source":"k","dateAdded":"d"}',
          '{"type":"kev","cve":"CVE-1","source":"k","dateAdded":"d"}',
        ],
        "line 3: kev entry for CVE-1 appears twice",
      ],
      [[header, '{"type":"advisory","record":{"id":"A"}}'], "line 2: bad advisory record: no modified time"],
    ];
    for (const [input, message] of cases) {
      await expect(store.importAll(input)).rejects.toThrow(message);
    }
  });
});

describe("export from SQLite, import into PostgreSQL (and back)", () => {
  const sqlite = useTestDatabase("sqlite");
  const postgres = useTestDatabase("postgres");

  it("gives byte-identical exports and identical reads on both dialects", async () => {
    const fromSqlite = createAdvisoryStore(sqlite.current.db);
    const fromPostgres = createAdvisoryStore(postgres.current.db);
    await populate(fromSqlite);
    const sqliteLines = await exportLines(fromSqlite);

    async function* asLines() {
      // an import reads lines from a stream
      yield* sqliteLines;
    }
    await fromPostgres.importAll(asLines());
    expect(await exportLines(fromPostgres)).toEqual(sqliteLines);
    expect(await view(fromPostgres)).toEqual(await view(fromSqlite));

    // and back into an emptied SQLite store
    const empty = [JSON.stringify({ format: EXPORT_FORMAT, version: 1 })];
    await fromSqlite.importAll(empty);
    expect(await exportLines(fromSqlite)).toEqual(empty);
    await fromSqlite.importAll(await exportLines(fromPostgres));
    expect(await exportLines(fromSqlite)).toEqual(sqliteLines);
  });
});
