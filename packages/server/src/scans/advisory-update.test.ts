import type { AdvisorySource } from "@vigil/core";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { createAdvisoryStore } from "../db/advisory-store.js";
import { advisoryItems, osv, syncOf } from "../db/test-support/sync-fixtures.js";
import { DIALECTS, useTestDatabase } from "../db/test-support/test-databases.js";
import { createAdvisorySourcesSync } from "./advisory-sync.js";
import { advisoryUpdateJobState, createAdvisoryUpdate } from "./advisory-update.js";
import type { RematchReport } from "./rematch-stored-images.js";

const silent = pino({ level: "silent" });

/** A source that yields `records` (or fails), offline. */
function source(name: string, records: Parameters<typeof advisoryItems>[0], fail = false): AdvisorySource {
  return {
    name,
    version: 1,
    ecosystems: ["Alpine", "PyPI"],
    defaultLocation: `https://example.invalid/${name}`,
    async sync(input) {
      if (fail) throw new Error(`${name} is unreachable`);
      expect(input.location).toBe(`https://example.invalid/${name}`);
      return syncOf(advisoryItems(records), { cursor: `${name}-cursor` });
    },
  };
}

describe.each(DIALECTS)("the advisory update on %s", (dialect) => {
  // a fresh database per test: the store test database does not empty the advisory tables
  const database = useTestDatabase(dialect);

  it("syncs every source in its own transaction and names the packages the written advisories touch", async () => {
    const advisories = createAdvisoryStore(database.current.db);
    const sync = createAdvisorySourcesSync({
      sources: [
        source("alpine", [
          osv("CVE-2099-0001", { affected: [["Alpine:v3.19", "openssl", "3.1.5-r0"]] }),
          osv("PYSEC-2099-1", { affected: [["PyPI", "Django_REST", "1.0"]] }),
        ]),
        source("broken", [osv("CVE-2099-0009", { affected: [["Alpine:v3.19", "zlib"]] })], true),
      ],
    });
    const report = await sync({ advisories, now: new Date("2024-06-03T10:00:00Z"), logger: silent });
    expect(report?.sources.map((s) => [s.source, s.summary?.advisories, s.error])).toEqual([
      ["alpine", 2, undefined],
      ["broken", undefined, "broken is unreachable"],
    ]);
    expect(report?.packages).toEqual([
      { ecosystem: "Alpine", name: "openssl" },
      { ecosystem: "PyPI", name: "django-rest" },
    ]);
    const states = await advisories.sources();
    expect(states.find((s) => s.name === "alpine")).toMatchObject({ cursor: "alpine-cursor", records: 2 });
  });

  it("re-matches after the sync, even when a source failed, and shares a run in progress", async () => {
    const advisories = createAdvisoryStore(database.current.db);
    const calls: unknown[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const update = createAdvisoryUpdate({
      advisories,
      runner: {
        async rematch(options) {
          calls.push(options?.packages);
          await gate;
          return { revision: "r", images: 0, failedImages: 0, clusters: [] } satisfies RematchReport;
        },
      },
      sync: async () => ({
        sources: [{ source: "x", location: "y", error: "down", problems: 0 }],
        packages: [{ ecosystem: "Alpine", name: "zlib" }],
      }),
      clock: { now: () => new Date("2024-06-03T10:00:00Z") },
      logger: silent,
    });
    const first = update();
    const second = update();
    expect(second).toBe(first);
    release();
    expect((await first).sync?.sources[0]?.error).toBe("down");
    expect(calls).toEqual([[{ ecosystem: "Alpine", name: "zlib" }]]);
  });

  it("derives the job's run times from the sources' last sync: due at once when never synced", async () => {
    const advisories = createAdvisoryStore(database.current.db);
    const state = advisoryUpdateJobState(advisories, "0 */6 * * *", "UTC");
    expect(await state.load("advisory-update")).toEqual({ nextRunAt: new Date(0) });
    await advisories.applySync({
      source: { name: "osv", version: 1 },
      result: syncOf([]),
      now: "2024-06-03T07:12:00.000Z",
    });
    expect(await state.load("advisory-update")).toEqual({
      lastRunAt: new Date("2024-06-03T07:12:00.000Z"),
      nextRunAt: new Date("2024-06-03T12:00:00.000Z"),
    });
  });
});
