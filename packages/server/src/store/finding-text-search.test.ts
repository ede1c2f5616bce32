import type { SeverityLevel } from "@vigil/core";
import type { Kysely } from "kysely";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import type { DatabaseDialect } from "../db/dialect.js";
import type { VigilSchema } from "../db/schema.js";
import { DIALECTS } from "../db/test-support/test-databases.js";
import {
  type FindingFilter,
  type FindingSort,
  findingFilterCondition,
  findingSortKeys,
  searchedSubstring,
} from "./finding-filter.js";
import type { FindingRecord } from "./finding-record.js";
import { createFindingRepository, type FindingQuery } from "./finding-repository.js";
import { findingSearchIndexOf } from "./finding-search-index.js";
import { findingTextValues, ftsPhrase } from "./finding-text-search.js";
import { storeDb } from "./store-schema.js";
import { expectSearchValuesInStep } from "./test-support/search-values.js";
import { at, finding } from "./test-support/store-fixtures.js";
import { useStoreTestDatabase } from "./test-support/store-test-database.js";

/** Package names with LIKE's and FTS5's special characters, quotes, a backslash and non-ASCII letters. */
const ODD_PACKAGES = [
  "we%ird_pkg",
  "weXird-pkg",
  `o'reilly"lib`,
  "back\\slash",
  "Ünïcode-lib",
  "pkg* OR zlib",
  "near(ssl)",
];
const PACKAGES = ["openssl", "libssl3", "zlib1g", "Pillow", "PyYAML", "go-yaml", ...ODD_PACKAGES];
const ADVISORIES = [
  "CVE-2023-45853",
  "CVE-2023-4585",
  "CVE-2024-0727",
  "GHSA-jfh8-c2jp-5v3q",
  "GHSA-8q59-q68h-6hv4",
  "PYSEC-2021-142",
  "DEBIAN-CVE-2023-45853",
];
const SEVERITIES: readonly SeverityLevel[] = ["critical", "high", "medium", "low", "unknown"];

/** 60 findings over the packages and advisories, in two clusters, every severity, spread in time. */
function catalog(): FindingRecord[] {
  return Array.from({ length: 60 }, (_, i) =>
    finding(`f${String(i).padStart(2, "0")}`, {
      identity: {
        clusterId: i % 3 === 0 ? "c2" : "c1",
        workloadName: `w${i % 4}`,
        packageName: PACKAGES[i % PACKAGES.length]!,
        advisoryId: ADVISORIES[(i * 5) % ADVISORIES.length]!,
      },
      severity: SEVERITIES[(i * 7) % SEVERITIES.length]!,
      state: i % 4 === 0 ? "dismissed" : "detected",
      ...(i % 4 === 0 ? { dismissal: { reason: "false_positive" } } : {}),
      // a few share a time, so the id decides their order
      lastSeen: at(i % 17),
      firstSeen: at(-(i % 11)),
    }),
  );
}

/** What the search means: ASCII case folded (as `lower()` does), every other character literal. */
function contains(value: string, text: string): boolean {
  const fold = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
  return fold(value).includes(fold(text));
}

/** The findings `filter` covers in the order of `sort` (descending), worked out here. */
function expected(records: readonly FindingRecord[], filter: FindingFilter, sort: FindingSort): string[] {
  const rank = (r: FindingRecord) =>
    ["unknown", "negligible", "low", "medium", "high", "critical"].indexOf(r.details.severity.level);
  const text = filter.text ?? "";
  const kept = records.filter(
    (r) =>
      (contains(r.identity.advisoryId, text) || contains(r.identity.packageName, text)) &&
      (filter.clusterIds === undefined || filter.clusterIds.includes(r.identity.clusterId)) &&
      (filter.states === undefined || filter.states.includes(r.state)),
  );
  const key = (r: FindingRecord): (string | number)[] =>
    sort === "severity"
      ? [rank(r), r.lastSeen, r.id]
      : sort === "last_seen"
        ? [r.lastSeen, r.id]
        : [r.firstSeen, r.id];
  return kept
    .sort((a, b) => {
      const [ka, kb] = [key(a), key(b)];
      for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! < kb[i]! ? 1 : -1;
      return 0;
    })
    .map((r) => r.id);
}

/** The query plan of the list query `createFindingRepository` runs for `filter`, as text. */
async function plan(
  db: Kysely<VigilSchema>,
  dialect: DatabaseDialect,
  filter: FindingFilter,
): Promise<string> {
  const text = searchedSubstring(filter);
  const values = text === undefined ? undefined : await findingTextValues(db, dialect, text);
  let select = storeDb(db)
    .selectFrom("findings")
    .selectAll()
    .where((eb) => findingFilterCondition(eb, filter, values));
  for (const k of findingSortKeys("severity", "desc"))
    select = select.orderBy(sql.ref(k.column), k.direction);
  const compiled = select.limit(51).compile();
  if (dialect === "sqlite") {
    const { rows } = await db.executeQuery<{ detail: string }>({
      ...compiled,
      sql: `explain query plan ${compiled.sql}`,
    });
    return rows.map((r) => r.detail).join("\n");
  }
  // on a few rows a sequential scan or the sort index is cheaper: forbid both, so the plan
  // shows whether the trigram indexes CAN serve the query
  return db.transaction().execute(async (trx) => {
    await sql`set local enable_seqscan = off`.execute(trx);
    await sql`set local enable_indexscan = off`.execute(trx);
    const { rows } = await trx.executeQuery<{ "QUERY PLAN": string }>({
      ...compiled,
      sql: `explain ${compiled.sql}`,
    });
    return rows.map((r) => r["QUERY PLAN"]).join("\n");
  });
}

describe("ftsPhrase", () => {
  it("quotes text as one FTS5 string, a double quote doubled", () => {
    expect(ftsPhrase("ssl")).toBe('"ssl"');
    expect(ftsPhrase('o"r')).toBe('"o""r"');
    expect(ftsPhrase('"')).toBe('""""');
  });
});

describe.each(DIALECTS)("findings text search on %s", (dialect) => {
  const t = useStoreTestDatabase(dialect);
  const findings = () => createFindingRepository(t.current.db);

  /** Every page of `query`, following cursors, `limit` findings a page. */
  async function allPages(query: FindingQuery): Promise<string[]> {
    const out: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 100; pages++) {
      const page = await findings().query({ ...query, ...(cursor ? { cursor } : {}) });
      out.push(...page.items.map((f) => f.id));
      cursor = page.nextCursor;
      if (!cursor) return out;
    }
    throw new Error("more than 100 pages");
  }

  const ids = async (text: string) =>
    (await findings().query({ text, limit: 1000 })).items.map((f) => f.id).sort();
  const idsOf = (records: readonly FindingRecord[], text: string) =>
    records
      .filter((r) => contains(r.identity.advisoryId, text) || contains(r.identity.packageName, text))
      .map((r) => r.id)
      .sort();

  it("records the index the migration built", async () => {
    expect((await findingSearchIndexOf(t.current.db)).method).toBe(
      dialect === "sqlite" ? "fts5-trigram" : "pg-trgm",
    );
  });

  it("finds a substring of the advisory id or of the package name, in any ASCII case", async () => {
    const records = catalog();
    await findings().applyChanges({ findings: records, history: [] });
    const byPackage = async (text: string) =>
      [
        ...new Set((await findings().query({ text, limit: 1000 })).items.map((f) => f.identity.packageName)),
      ].sort();
    expect(await byPackage("OPENSS")).toEqual(["openssl"]);
    expect(await byPackage("ssl")).toEqual(["libssl3", "near(ssl)", "openssl"]);
    expect(await byPackage("yaml")).toEqual(["PyYAML", "go-yaml"]);
    expect(await byPackage("pIlLoW")).toEqual(["Pillow"]);
    const byAdvisory = async (text: string) =>
      [
        ...new Set((await findings().query({ text, limit: 1000 })).items.map((f) => f.identity.advisoryId)),
      ].sort();
    expect(await byAdvisory("cve-2023-458")).toEqual([
      "CVE-2023-4585",
      "CVE-2023-45853",
      "DEBIAN-CVE-2023-45853",
    ]);
    expect(await byAdvisory("2023-45853")).toEqual(["CVE-2023-45853", "DEBIAN-CVE-2023-45853"]);
    expect(await byAdvisory("jfh8-C2JP")).toEqual(["GHSA-jfh8-c2jp-5v3q"]);
    // text in neither column, and text across the two columns, finds nothing
    expect(await ids("openssl3")).toEqual([]);
    expect(await ids("sslCVE")).toEqual([]);
    for (const text of ["ssl", "CVE-2023", "sec-20", "lib", "-pkg", "q68h-6H"]) {
      expect(await ids(text), text).toEqual(idsOf(records, text));
      expect((await findings().counts({ text })).total, text).toBe(idsOf(records, text).length);
    }
  });

  it("compares text of one or two characters on every row, with the same meaning", async () => {
    const records = catalog();
    await findings().applyChanges({ findings: records, history: [] });
    for (const text of ["l", "Z", "1g", "YA", "q3", "ü", "-"]) {
      expect(await ids(text), text).toEqual(idsOf(records, text));
    }
    expect(await ids("zl")).toEqual(idsOf(records, "zlib"));
    expect(await ids("zl")).not.toEqual([]);
  });

  it("treats %, _, quotes, a backslash and FTS5's syntax as literal characters", async () => {
    const records = catalog();
    await findings().applyChanges({ findings: records, history: [] });
    const packagesOf = async (text: string) =>
      [
        ...new Set((await findings().query({ text, limit: 1000 })).items.map((f) => f.identity.packageName)),
      ].sort();
    expect(await packagesOf("we%ird")).toEqual(["we%ird_pkg"]);
    expect(await packagesOf("%ir")).toEqual(["we%ird_pkg"]);
    expect(await packagesOf("ird_pkg")).toEqual(["we%ird_pkg"]);
    expect(await packagesOf("d_p")).toEqual(["we%ird_pkg"]);
    expect(await packagesOf("%")).toEqual(["we%ird_pkg"]);
    expect(await packagesOf("_")).toEqual(["we%ird_pkg"]);
    expect(await packagesOf("w_X")).toEqual([]);
    expect(await packagesOf("o'reilly")).toEqual([`o'reilly"lib`]);
    expect(await packagesOf(`y"lib`)).toEqual([`o'reilly"lib`]);
    expect(await packagesOf(`'r`)).toEqual([`o'reilly"lib`]);
    expect(await packagesOf(`"`)).toEqual([`o'reilly"lib`]);
    expect(await packagesOf("k\\sl")).toEqual(["back\\slash"]);
    expect(await packagesOf("\\")).toEqual(["back\\slash"]);
    // FTS5 operators, prefix stars, column filters and NEAR are text like any other
    expect(await packagesOf("pkg* OR zlib")).toEqual(["pkg* OR zlib"]);
    expect(await packagesOf("ssl OR zlib")).toEqual([]);
    expect(await packagesOf("g* O")).toEqual(["pkg* OR zlib"]);
    expect(await packagesOf("near(ssl)")).toEqual(["near(ssl)"]);
    expect(await packagesOf("package_name:ssl")).toEqual([]);
    expect(await packagesOf("ssl AND lib")).toEqual([]);
    expect(await packagesOf("pkg OR")).toEqual([]);
    // lower() folds ASCII only, on both dialects: a lower-case ü does not find Ü (FTS5 would)
    expect(await packagesOf("ünïcode")).toEqual([]);
    expect(await packagesOf("ïCODE-L")).toEqual(["Ünïcode-lib"]);
  });

  it("combines the search with the other filters, every sort and the cursor, as without it", async () => {
    const records = catalog();
    await findings().applyChanges({ findings: records, history: [] });
    const filters: FindingFilter[] = [
      { text: "ssl" },
      { text: "cve-2023", clusterIds: ["c1"] },
      { text: "lib", states: ["detected"] },
      { text: "yaml", clusterIds: ["c2"] },
      { text: "2023-45853", states: ["detected", "dismissed"] },
      { text: "ib", clusterIds: ["c1"] },
    ];
    for (const filter of filters) {
      for (const sort of ["severity", "last_seen", "first_seen"] as const) {
        const want = expected(records, filter, sort);
        expect(want.length, JSON.stringify(filter)).toBeGreaterThan(0);
        expect(await allPages({ ...filter, sort, limit: 4 }), `${JSON.stringify(filter)} ${sort}`).toEqual(
          want,
        );
        expect(await allPages({ ...filter, sort, direction: "asc", limit: 3 })).toEqual([...want].reverse());
      }
      expect((await findings().counts(filter)).total).toBe(expected(records, filter, "severity").length);
    }
  });

  it("keeps a complete CVE or GHSA id an exact lookup", async () => {
    await findings().applyChanges({ findings: catalog(), history: [] });
    const advisories = async (text: string) => [
      ...new Set((await findings().query({ text, limit: 1000 })).items.map((f) => f.identity.advisoryId)),
    ];
    expect(await advisories("cve-2023-4585")).toEqual(["CVE-2023-4585"]);
    expect(await advisories("ghsa-JFH8-c2jp-5v3q")).toEqual(["GHSA-jfh8-c2jp-5v3q"]);
    expect(await plan(t.current.db, dialect, { text: "cve-2023-4585" })).not.toMatch(/json_each|trgm/);
  });

  it("finds findings inserted, updated and deleted after the migration, and only those", async () => {
    const { db } = t.current;
    const repo = findings();
    await repo.applyChanges({
      findings: [
        finding("n1", { identity: { packageName: "libxml2", advisoryId: "CVE-2024-25062" } }),
        finding("n2", {
          identity: { packageName: "libxslt", advisoryId: "CVE-2024-55549", workloadName: "api" },
        }),
        // the same package and advisory as n2, in another workload: one value, two findings
        finding("n3", {
          identity: { packageName: "libxslt", advisoryId: "CVE-2024-55549", workloadName: "db" },
        }),
      ],
      history: [],
    });
    expect(await ids("libx")).toEqual(["n1", "n2", "n3"]);
    expect(await ids("25062")).toEqual(["n1"]);
    // the reconcile's upsert of a stored finding (a newer detection): still found, once
    await repo.applyChanges({
      findings: [
        finding("n1", {
          identity: { packageName: "libxml2", advisoryId: "CVE-2024-25062" },
          lastSeen: at(9),
        }),
      ],
      history: [],
    });
    expect(await ids("libxml")).toEqual(["n1"]);
    // the identity changed in place (the store never does it, the index must follow anyway)
    await storeDb(db)
      .updateTable("findings")
      .set({ package_name: "libyaml" })
      .where("id", "=", "n1")
      .execute();
    expect(await ids("libxml")).toEqual([]);
    expect(await ids("IBYAM")).toEqual(["n1"]);
    expect(await ids("25062")).toEqual(["n1"]);
    await storeDb(db)
      .updateTable("findings")
      .set({ advisory_id: "GHSA-aaaa-bbbb-cccc" })
      .where("id", "=", "n1")
      .execute();
    expect(await ids("25062")).toEqual([]);
    expect(await ids("aaaa-bb")).toEqual(["n1"]);
    if (dialect === "sqlite") await expectSearchValuesInStep(db);
    await storeDb(db).deleteFrom("findings").where("id", "=", "n2").execute();
    expect(await ids("libx")).toEqual(["n3"]);
    expect(await ids("55549")).toEqual(["n3"]);
    await storeDb(db).deleteFrom("findings").where("id", "=", "n3").execute();
    expect(await ids("libx")).toEqual([]);
    expect(await ids("55549")).toEqual([]);
    expect(await ids("libyaml")).toEqual(["n1"]);
    if (dialect === "sqlite") await expectSearchValuesInStep(db);
  });

  it("serves text of three characters or more through the index, shorter text without it", async () => {
    await findings().applyChanges({ findings: catalog(), history: [] });
    // SQLite: the findings of the matching values, through the advisory id and package name
    // indexes; PostgreSQL: the trigram indexes serve the LIKE itself
    const indexed =
      dialect === "sqlite"
        ? /findings_advisory_idx[\s\S]*findings_package_idx|findings_package_idx[\s\S]*findings_advisory_idx/
        : /findings_advisory_trgm_idx[\s\S]*findings_package_trgm_idx/;
    expect(await plan(t.current.db, dialect, { text: "ssl" })).toMatch(indexed);
    // PostgreSQL may still scan a whole trigram index for two characters (forbidden the table)
    if (dialect === "sqlite")
      expect(await plan(t.current.db, dialect, { text: "ss" })).not.toMatch(/json_each/);
  });

  it("drives the search by the index up to its limit of findings, and past it by the sort order, alike", async () => {
    const records = catalog();
    await findings().applyChanges({ findings: records, history: [] });
    const { db } = t.current;
    if (dialect === "sqlite") {
      expect([...(await findingTextValues(db, dialect, "ssl"))!].sort()).toEqual([
        "libssl3",
        "near(ssl)",
        "openssl",
      ]);
      const held = idsOf(records, "ssl").length;
      expect(await findingTextValues(db, dialect, "ssl", held)).toHaveLength(3);
      expect(await findingTextValues(db, dialect, "ssl", held - 1)).toBeUndefined();
      expect(await findingTextValues(db, dialect, "nothing-like-it")).toEqual([]);
      // FTS5 folds ü to Ü; LIKE, as the search means it, does not
      expect(await findingTextValues(db, dialect, "ünï")).toEqual([]);
      expect(await findingTextValues(db, dialect, "ss")).toBeUndefined();
    } else {
      expect(await findingTextValues(db, dialect, "ssl")).toBeUndefined();
    }
    const walking = createFindingRepository(db, { maxIndexedFindings: 2 });
    for (const filter of [{ text: "ssl" }, { text: "lib", clusterIds: ["c1"] }, { text: "zzzz" }] as const) {
      const want = expected(records, filter, "severity");
      expect((await walking.query({ ...filter, limit: 1000 })).items.map((f) => f.id)).toEqual(want);
      expect((await findings().query({ ...filter, limit: 1000 })).items.map((f) => f.id)).toEqual(want);
      expect((await walking.counts(filter)).total).toBe(want.length);
    }
  });
});
