import { type PackageQuery, packageQueryKey, type SyncItem } from "@vigil/core";
import { describe, expect, it } from "vitest";
import { createAdvisoryStore } from "./advisory-store.js";
import { idsPerStatement, rowsPerStatement } from "./advisory-writes.js";
import { chunks, MAX_PARAMETERS } from "./dialect.js";
import { osv, syncOf } from "./test-support/sync-fixtures.js";
import { DIALECTS, useTestDatabase } from "./test-support/test-databases.js";

const COUNT = 50_000;
const id = (i: number) => `GEN-${String(i).padStart(6, "0")}`;

/** 50,000 records, 2 aliases and 2 affected entries each, and an EPSS score per CVE. */
function* generated(count: number, skip: (i: number) => boolean = () => false): Generator<SyncItem> {
  for (let i = 0; i < count; i++) {
    if (skip(i)) continue;
    yield {
      kind: "advisory",
      record: osv(id(i), {
        aliases: [`CVE-2099-${i}`, `GHSA-gen-${i}`],
        affected: [
          ["Debian:12", `pkg-${i}`, `1.${i}`],
          ["PyPI", `Py_Pkg.${i}`, `2.${i}`],
        ],
      }),
    };
    yield { kind: "epss", cve: `CVE-2099-${i}`, score: i / count, percentile: 0.5, date: "2024-06-01" };
  }
}

describe("statement chunking", () => {
  it("keeps every statement within the dialect's parameter limit", () => {
    for (const dialect of DIALECTS) {
      for (const columns of [2, 5, 7, 14]) {
        expect(rowsPerStatement(dialect, columns) * columns).toBeLessThanOrEqual(MAX_PARAMETERS[dialect]);
        expect((rowsPerStatement(dialect, columns) + 1) * columns).toBeGreaterThan(MAX_PARAMETERS[dialect]);
      }
      expect(idsPerStatement(dialect)).toBeLessThan(MAX_PARAMETERS[dialect]);
    }
    expect([...chunks([1, 2, 3, 4, 5], 2)]).toEqual([[1, 2], [3, 4], [5]]);
    expect([...chunks([], 2)]).toEqual([]);
  });
});

describe.each(DIALECTS)("a sync of 50,000 records on %s", (dialect) => {
  const t = useTestDatabase(dialect);

  it("is written in statements under the parameter limit and read back in chunked lookups", {
    timeout: 300_000,
  }, async () => {
    // one flush for the whole sync: only the per-statement chunking keeps it under the limits
    const store = createAdvisoryStore(t.current.db, { batchSize: COUNT });
    const summary = await store.applySync({
      source: { name: "generated", version: 1 },
      result: syncOf(generated(COUNT)),
      now: "2024-06-01T00:00:00Z",
    });
    expect(summary).toMatchObject({ advisories: COUNT, epss: COUNT, total: COUNT, problems: 0 });
    expect((await store.stats()).totals).toEqual({
      advisories: COUNT,
      aliases: 2 * COUNT,
      affected: 2 * COUNT,
      kev: 0,
      epss: COUNT,
    });

    // lookups with more keys than one statement may carry
    const queries: PackageQuery[] = [];
    for (let i = 0; i < COUNT; i++) queries.push({ ecosystemBase: "PyPI", name: `py-pkg-${i}` });
    const hits = await store.affectedBy(queries);
    expect(hits.size).toBe(COUNT);
    expect([...hits.values()].every((h) => h.length === 1)).toBe(true);
    expect(hits.get(packageQueryKey(queries[31_337]!))?.[0]).toMatchObject({
      advisoryId: id(31_337),
      ecosystem: "PyPI",
      name: "Py_Pkg.31337",
    });
    const ids = Array.from({ length: COUNT }, (_, i) => id(i));
    expect((await store.advisories(ids)).size).toBe(COUNT);
    expect((await store.enrichment(ids.map((_, i) => `CVE-2099-${i}`))).size).toBe(COUNT);

    // the next snapshot lacks ten of them
    const again = await store.applySync({
      source: { name: "generated", version: 1 },
      result: syncOf(generated(COUNT, (i) => i % 5_000 === 0)),
      now: "2024-06-02T00:00:00Z",
    });
    expect(again).toMatchObject({ advisories: COUNT - 10, removed: 10, total: COUNT - 10, epss: COUNT - 10 });
    expect(await store.idsForAlias("CVE-2099-5000")).toEqual([]);
    expect(await store.idsForAlias("CVE-2099-5001")).toEqual([id(5001)]);
  });
});
