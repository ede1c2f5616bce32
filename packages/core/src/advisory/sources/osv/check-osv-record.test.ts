/**
 * The hand-written check against the official OSV schema (through ajv, on the schema copy in
 * ../shared/testdata): both accept every real record of the excerpt once the documented
 * deviations are undone, and on hand-made records they agree except where a deviation says
 * otherwise.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { OsvRecord } from "../../osv-record.js";
import { osvSchemaErrors } from "../shared/test-support/source-contract.js";
import { checkOsvRecord, isOsvTimestamp } from "./check-osv-record.js";
import { OSV_KNOWN_ECOSYSTEMS } from "./osv-ecosystems.js";
import { readExcerpt } from "./test-support/excerpt.js";

// The shared helper reads `record.id` first, which null has not; the schema rejects null (type object).
const schemaValid = (record: unknown) => record !== null && osvSchemaErrors(record as OsvRecord).length === 0;
const ours = (record: unknown) => checkOsvRecord(record).ok;

/** The same record with the accepted deviations rewritten the way the schema wants them. */
function undoDeviations(record: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(record);
  for (const field of ["modified", "published", "withdrawn"]) {
    const stamp = copy[field];
    if (typeof stamp === "string") copy[field] = new Date(stamp).toISOString();
  }
  for (const affected of (copy.affected as {
    ranges?: { type: string; events: Record<string, string>[] }[];
  }[]) ?? []) {
    for (const range of affected.ranges ?? []) {
      if (range.type !== "GIT") continue;
      for (const event of range.events) {
        for (const key of Object.keys(event)) {
          if (!/^(0|[a-f0-9]{40}|[a-f0-9]{64})$/.test(event[key]!)) event[key] = "0".repeat(40);
        }
      }
    }
  }
  return copy;
}

describe("real records", () => {
  const excerpt = readExcerpt();

  it("the excerpt has 30 records of each of the six exports", () => {
    expect([...excerpt.keys()].sort()).toEqual(["Debian", "Go", "PyPI", "Red Hat", "Ubuntu", "crates.io"]);
    for (const members of excerpt.values()) expect(members).toHaveLength(30);
  });

  for (const [ecosystem, members] of excerpt) {
    it(`${ecosystem}: every record passes, and passes the schema once the deviations are undone`, () => {
      let deviating = 0;
      for (const { name, content } of members) {
        const record = JSON.parse(content) as Record<string, unknown>;
        const check = checkOsvRecord(record);
        expect(check.ok ? [] : check.issues, name).toEqual([]);
        if (!schemaValid(record)) deviating++;
        expect(osvSchemaErrors(undoDeviations(record) as unknown as OsvRecord), name).toEqual([]);
      }
      // Only PyPI's export has records the schema rejects (offset timestamps, short GIT hashes).
      if (ecosystem === "PyPI") expect(deviating).toBeGreaterThan(0);
      else expect(deviating).toBe(0);
    });
  }
});

const base = { id: "GHSA-aaaa-bbbb-cccc", modified: "2024-05-01T10:00:00Z" };
const pkg = { ecosystem: "PyPI", name: "jinja2" };
const range = (events: unknown[], extra: Record<string, unknown> = {}) => ({
  ...base,
  affected: [{ package: pkg, ranges: [{ type: "ECOSYSTEM", events, ...extra }] }],
});

/** [what, record, our verdict, the schema's verdict, why they differ]. */
const CASES: readonly (readonly [string, unknown, boolean, boolean, string?])[] = [
  ["minimal record", base, true, true],
  [
    "a full record",
    {
      ...base,
      aliases: ["CVE-2024-1"],
      summary: "s",
      details: "d",
      published: base.modified,
      withdrawn: base.modified,
      severity: [{ type: "CVSS_V3", score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" }],
      references: [{ type: "WEB", url: "https://example.com" }],
      credits: [{ name: "n", contact: ["c"], type: "FINDER" }],
      database_specific: {},
      affected: [
        {
          package: { ...pkg, purl: "pkg:pypi/jinja2" },
          ranges: [
            { type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "3.1.4" }], database_specific: {} },
          ],
          versions: ["3.0"],
          ecosystem_specific: {},
          database_specific: {},
        },
      ],
    },
    true,
    true,
  ],
  ["an array", [base], false, false],
  ["a string", "GHSA-1", false, false],
  ["null", null, false, false],
  ["a number", 7, false, false],
  ["no id", { modified: base.modified }, false, false],
  ["no modified", { id: base.id }, false, false],
  ["empty id", { ...base, id: "" }, false, false],
  ["id with a space", { ...base, id: "GHSA 1" }, false, false],
  [
    "id of an unknown database",
    { ...base, id: "FOO-2024-1" },
    true,
    false,
    "database prefixes are not checked",
  ],
  ["modified not a date", { ...base, modified: "yesterday" }, false, false],
  ["modified 30 February", { ...base, modified: "2024-02-30T00:00:00Z" }, false, false],
  ["modified 29 February of a leap year", { ...base, modified: "2024-02-29T23:59:59.123456Z" }, true, true],
  ["modified without a time zone", { ...base, modified: "2024-01-01T00:00:00" }, false, false],
  [
    "modified with a +00:00 offset",
    { ...base, modified: "2024-01-01T00:00:00+00:00" },
    true,
    false,
    "any UTC offset",
  ],
  ["published a number", { ...base, published: 1 }, false, false],
  ["aliases null", { ...base, aliases: null }, true, true],
  ["aliases of numbers", { ...base, aliases: [1] }, false, false],
  ["related null", { ...base, related: null }, false, false],
  ["summary an object", { ...base, summary: {} }, false, false],
  ["database_specific an array", { ...base, database_specific: [] }, false, false],
  ["unknown top-level field", { ...base, x_vendor: 1 }, true, false, "unknown top-level fields are kept"],
  ["affected null", { ...base, affected: null }, true, true],
  ["affected an object", { ...base, affected: {} }, false, false],
  ["affected entry a string", { ...base, affected: ["x"] }, false, false],
  [
    "affected entry without a package",
    { ...base, affected: [{ versions: ["1"] }] },
    false,
    true,
    "stricter: it could never match",
  ],
  ["package without a name", { ...base, affected: [{ package: { ecosystem: "PyPI" } }] }, false, false],
  ["package without an ecosystem", { ...base, affected: [{ package: { name: "x" } }] }, false, false],
  ["unknown ecosystem", { ...base, affected: [{ package: { ecosystem: "Foo", name: "x" } }] }, false, false],
  [
    "unknown ecosystem with a release",
    { ...base, affected: [{ package: { ecosystem: "Foo:1", name: "x" } }] },
    false,
    false,
  ],
  [
    "ecosystem with an empty suffix",
    { ...base, affected: [{ package: { ecosystem: "Debian:", name: "x" } }] },
    false,
    false,
  ],
  [
    "ecosystem with a release",
    { ...base, affected: [{ package: { ecosystem: "Red Hat:enterprise_linux:9::appstream", name: "x" } }] },
    true,
    true,
  ],
  [
    "ecosystem GIT",
    { ...base, affected: [{ package: { ecosystem: "GIT", name: "https://x" } }] },
    true,
    true,
  ],
  [
    "range without events",
    { ...base, affected: [{ package: pkg, ranges: [{ type: "ECOSYSTEM" }] }] },
    false,
    false,
  ],
  ["range with no events", range([]), false, false],
  [
    "range without type",
    { ...base, affected: [{ package: pkg, ranges: [{ events: [{ introduced: "0" }] }] }] },
    false,
    false,
  ],
  ["ranges null", { ...base, affected: [{ package: pkg, ranges: null }] }, false, false],
  ["events without introduced", range([{ fixed: "1" }]), false, false],
  ["event with two kinds", range([{ introduced: "0", fixed: "1" }]), false, false],
  ["event with no kind", range([{ introduced: "0" }, {}]), false, false],
  ["event with a number", range([{ introduced: 0 }]), false, false],
  [
    "event with a second kind of another type",
    range([{ introduced: "0", fixed: 5 }]),
    false,
    true,
    "stricter: every event field a string",
  ],
  ["event with an extra field", range([{ introduced: "0", note: 5 }]), true, true],
  [
    "fixed and last_affected in one range",
    range([{ introduced: "0" }, { fixed: "1" }, { last_affected: "2" }]),
    false,
    false,
  ],
  [
    "last_affected and limit",
    range([{ introduced: "0" }, { last_affected: "2" }, { limit: "3" }]),
    true,
    true,
  ],
  [
    "unknown range type",
    { ...base, affected: [{ package: pkg, ranges: [{ type: "NEW", events: [{ introduced: "0" }] }] }] },
    true,
    false,
    "unknown range types are kept",
  ],
  [
    "GIT range without repo",
    { ...base, affected: [{ package: pkg, ranges: [{ type: "GIT", events: [{ introduced: "0" }] }] }] },
    false,
    false,
  ],
  [
    "GIT range with full hashes",
    {
      ...base,
      affected: [
        {
          package: pkg,
          ranges: [
            { type: "GIT", repo: "https://g", events: [{ introduced: "0" }, { fixed: "a".repeat(40) }] },
          ],
        },
      ],
    },
    true,
    true,
  ],
  [
    "GIT range with a short hash",
    {
      ...base,
      affected: [
        {
          package: pkg,
          ranges: [
            { type: "GIT", repo: "https://g", events: [{ introduced: "0" }, { fixed: "cb35df940a" }] },
          ],
        },
      ],
    },
    true,
    false,
    "GIT hashes are not checked",
  ],
  ["versions of numbers", { ...base, affected: [{ package: pkg, versions: [1] }] }, false, false],
  [
    "ecosystem_specific a string",
    { ...base, affected: [{ package: pkg, ecosystem_specific: "x" }] },
    false,
    false,
  ],
  [
    "record and package severity",
    { ...base, severity: [], affected: [{ package: pkg, severity: [] }] },
    false,
    false,
  ],
  [
    "record severity, package severity null",
    { ...base, severity: [], affected: [{ package: pkg, severity: null }] },
    true,
    true,
  ],
  [
    "package severity alone",
    { ...base, affected: [{ package: pkg, severity: [{ type: "Ubuntu", score: "high" }] }] },
    true,
    true,
  ],
  ["severity without score", { ...base, severity: [{ type: "CVSS_V3" }] }, false, false],
  [
    "severity of a new type",
    { ...base, severity: [{ type: "CVSS_V5", score: "x" }] },
    true,
    false,
    "growing enumerations are not checked",
  ],
  [
    "CVSS vector that does not parse",
    { ...base, severity: [{ type: "CVSS_V3", score: "CVSS:3.1/garbage" }] },
    true,
    false,
    "vector patterns are not checked",
  ],
  ["reference without url", { ...base, references: [{ type: "WEB" }] }, false, false],
  [
    "reference of a new type",
    { ...base, references: [{ type: "NEWS", url: "https://x" }] },
    true,
    false,
    "growing enumerations are not checked",
  ],
  [
    "reference url that is not a URI",
    { ...base, references: [{ type: "WEB", url: "not a uri" }] },
    true,
    false,
    "URL syntax is not checked",
  ],
  ["credit without name", { ...base, credits: [{ contact: [] }] }, false, false],
  ["credits null", { ...base, credits: null }, false, false],
];

describe("agreement with the schema on hand-made records", () => {
  for (const [what, record, expectedOurs, expectedSchema, why] of CASES) {
    it(`${what}: ours ${expectedOurs ? "accepts" : "rejects"}, the schema ${expectedSchema ? "accepts" : "rejects"}${why ? ` (${why})` : ""}`, () => {
      expect(ours(record)).toBe(expectedOurs);
      expect(schemaValid(record)).toBe(expectedSchema);
      // A disagreement must be one of the documented deviations.
      expect(expectedOurs === expectedSchema || why !== undefined).toBe(true);
    });
  }
});

describe("issues", () => {
  it("say where and what, with the id when there is one", () => {
    const check = checkOsvRecord(range([{ fixed: "1" }]));
    expect(check).toEqual({
      ok: false,
      id: base.id,
      issues: ["affected[0].ranges[0].events: has no introduced event"],
    });
    expect(checkOsvRecord({ modified: 5 })).toMatchObject({
      ok: false,
      issues: ["id: missing", "modified: must be an RFC 3339 date-time, not the number 5"],
    });
  });

  it("are bounded for a record with thousands of broken entries", () => {
    const record = { ...base, affected: Array.from({ length: 10_000 }, () => ({ ranges: "x" })) };
    const check = checkOsvRecord(record);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.issues).toHaveLength(8);
  });
});

describe("timestamps", () => {
  it("accepts RFC 3339 date-times and rejects impossible ones", () => {
    for (const ok of [
      "2024-01-01T00:00:00Z",
      "1999-12-31T23:59:60Z",
      "2023-07-24T14:58:05.562874+00:00",
      "0001-01-01T00:00:00+00:00",
      "2024-06-01T12:00:00-07:30",
    ]) {
      expect(isOsvTimestamp(ok), ok).toBe(true);
    }
    for (const bad of [
      "2024-13-01T00:00:00Z",
      "2023-02-29T00:00:00Z",
      "2024-01-01 00:00:00Z",
      "2024-01-01T24:00:00Z",
      "2024-01-01T00:00:00+24:00",
      "x2024-01-01T00:00:00Z",
      "2024-01-01T00:00:00z",
    ]) {
      expect(isOsvTimestamp(bad), bad).toBe(false);
    }
  });
});

describe("known ecosystems", () => {
  it("are the schema's ecosystem names plus GIT", () => {
    const schema = JSON.parse(
      readFileSync(join(import.meta.dirname, "../shared/testdata/osv-schema.json"), "utf8"),
    ) as { $defs: { ecosystemName: { enum: string[] } } };
    expect([...OSV_KNOWN_ECOSYSTEMS].sort()).toEqual([...schema.$defs.ecosystemName.enum, "GIT"].sort());
  });
});
