import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { deriveSeverity } from "./derive-severity.js";
import type { OsvRecord } from "./osv-record.js";
import type { AdvisorySeverity } from "./severity-level.js";

/** A real record from testdata/severity (see its PROVENANCE.md). */
function record(file: string): OsvRecord {
  return JSON.parse(
    readFileSync(new URL(`./testdata/severity/${file}`, import.meta.url), "utf8"),
  ) as OsvRecord;
}

describe("real records, one per branch", () => {
  it.each<[string, string, AdvisorySeverity]>([
    // Ubuntu: the USN's priority; the records carry no CVSS at their top level.
    ["USN-6148-1.json", "osv", { level: "high", source: "distribution", raw: "high" }],
    ["USN-6906-1.json", "osv", { level: "medium", source: "distribution", raw: "medium" }],
    ["USN-7084-1.json", "osv", { level: "low", source: "distribution", raw: "low" }],
    ["USN-5742-1.json", "osv", { level: "negligible", source: "distribution", raw: "negligible" }],
    // A USN that lists no CVE has no priority and nothing else to go by.
    ["USN-6046-1.json", "osv", { level: "unknown", source: "none" }],
    // Red Hat: the advisory's severity first, its CVSS vector alongside.
    [
      "RHSA-2022_4772.json",
      "osv",
      {
        level: "critical",
        source: "distribution",
        raw: "critical",
        score: 8.8,
        vector: "CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H",
      },
    ],
    [
      "RHSA-2022_5716.json",
      "osv",
      {
        level: "high",
        source: "distribution",
        raw: "important",
        score: 7.1,
        vector: "CVSS:3.1/AV:N/AC:H/PR:L/UI:N/S:U/C:H/I:H/A:L",
      },
    ],
    [
      "RHSA-2023_0959.json",
      "osv",
      {
        level: "medium",
        source: "distribution",
        raw: "moderate",
        score: 7.8,
        vector: "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H",
      },
    ],
    [
      "RHSA-2022_8090.json",
      "osv",
      {
        level: "low",
        source: "distribution",
        raw: "low",
        score: 5.6,
        vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:L",
      },
    ],
    // OSV's own Red Hat record format (osv-schema's linter testdata): no rating word, a vector.
    [
      "RHSA-2022_0216.json",
      "osv",
      {
        level: "high",
        source: "cvss-v3",
        score: 8.1,
        vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H",
      },
    ],
    // GitHub: a database's rating, ahead of the vector.
    [
      "GHSA-9v2f-6vcg-3hgv.json",
      "osv",
      {
        level: "critical",
        source: "database",
        raw: "CRITICAL",
        score: 9.8,
        vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
      },
    ],
    // Language ecosystems: CVSS only.
    [
      "PYSEC-2022-43057.json",
      "osv",
      {
        level: "medium",
        source: "cvss-v3",
        score: 5.5,
        vector: "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H",
      },
    ],
    ["PYSEC-2024-55.json", "osv", { level: "unknown", source: "none" }],
    [
      "RUSTSEC-2018-0010.json",
      "osv",
      {
        level: "critical",
        source: "cvss-v3",
        score: 9.8,
        vector: "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
      },
    ],
    [
      "RUSTSEC-2026-0090.json",
      "osv",
      {
        level: "low",
        source: "cvss-v4",
        score: 1,
        vector: "CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N",
      },
    ],
    // A v4 vector with no impact at all scores 0, rated none: Vigil's `negligible`.
    [
      "RUSTSEC-2026-0024.json",
      "osv",
      {
        level: "negligible",
        source: "cvss-v4",
        score: 0,
        vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N",
      },
    ],
    ["RUSTSEC-2024-0381.json", "osv", { level: "unknown", source: "none" }],
    ["GO-2025-3451.json", "osv", { level: "unknown", source: "none" }],
    // Debian OVAL-derived records carry no severity.
    ["DEBIAN-CVE-2023-3153.json", "osv", { level: "unknown", source: "none" }],
  ])("%s", (file, source, expected) => {
    expect(deriveSeverity(record(file), source)).toEqual(expected);
  });
});

/**
 * Branches no record of the offline collection exercises, on real records changed only where
 * the case says: the Debian tracker's urgency (no OSV-shaped Debian record with one exists
 * offline), Ubuntu-typed severity entries, several vectors, vectors only under affected[].
 */
describe("variants of real records", () => {
  const debian = record("DEBIAN-CVE-2023-3153.json");
  const pysec = record("PYSEC-2022-43057.json");
  const usn = record("USN-6046-1.json");
  const withSpecific = (base: OsvRecord, specific: Record<string, unknown>): OsvRecord => ({
    ...base,
    database_specific: { ...base.database_specific, ...specific },
  });
  const v31 = (vector: string) => ({ type: "CVSS_V3", score: `CVSS:3.1/${vector}` });
  const v4 = { type: "CVSS_V4", score: "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N" };
  const v2 = { type: "CVSS_V2", score: "AV:N/AC:L/Au:N/C:C/I:C/A:C" };

  it.each([
    ["unimportant", "negligible", "distribution"],
    ["low", "low", "distribution"],
    ["medium", "medium", "distribution"],
    ["high", "high", "distribution"],
    ["high**", "high", "database"],
    ["low**", "low", "database"],
  ] as const)("Debian urgency %s → %s (%s)", (urgency, level, source) => {
    expect(deriveSeverity(withSpecific(debian, { urgency }), "debian-tracker")).toEqual({
      level,
      source,
      raw: urgency,
    });
  });

  it.each(["not yet assigned", "end-of-life", "", "urgent"])("Debian urgency %j is no rating", (urgency) => {
    expect(deriveSeverity(withSpecific(debian, { urgency }), "debian-tracker")).toEqual({
      level: "unknown",
      source: "none",
    });
    const withVector = {
      ...withSpecific(debian, { urgency }),
      severity: [v31("AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N")],
    };
    expect(deriveSeverity(withVector, "debian-tracker")).toMatchObject({
      level: "high",
      source: "cvss-v3",
      score: 7.5,
    });
  });

  it("takes Ubuntu's rating from a severity entry of type Ubuntu, the highest of several", () => {
    const severity = [{ type: "Ubuntu", score: "low" }, v31("AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")];
    const affected = [{ ...usn.affected?.[0], severity: [{ type: "Ubuntu", score: "medium" }] }];
    expect(deriveSeverity({ ...usn, severity, affected }, "osv")).toEqual({
      level: "medium",
      source: "distribution",
      raw: "medium",
      score: 9.8,
      vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    });
  });

  it("prefers the priority to Ubuntu-typed entries, and passes over `untriaged`", () => {
    const severity = [{ type: "Ubuntu", score: "critical" }];
    expect(deriveSeverity({ ...withSpecific(usn, { priority: "low" }), severity }, "osv")).toMatchObject({
      level: "low",
    });
    expect(
      deriveSeverity({ ...withSpecific(usn, { priority: "untriaged" }), severity }, "osv"),
    ).toMatchObject({
      level: "critical",
      raw: "critical",
    });
  });

  it("reads a Red Hat rating case-insensitively, and only on records of Red Hat origin", () => {
    const rhsa = record("RHSA-2022_5716.json");
    expect(deriveSeverity(withSpecific(rhsa, { severity: "Important" }), "osv")).toMatchObject({
      level: "high",
      raw: "Important",
    });
    // The same field on a PyPI record is nobody's known vocabulary: the vector decides.
    expect(deriveSeverity(withSpecific(pysec, { severity: "important" }), "osv")).toMatchObject({
      source: "cvss-v3",
    });
    // ...unless the source plugin says where it comes from.
    expect(deriveSeverity(withSpecific(pysec, { severity: "important" }), "redhat")).toMatchObject({
      level: "high",
      source: "distribution",
    });
    expect(deriveSeverity(withSpecific(pysec, { severity: "MODERATE" }), "ghsa")).toMatchObject({
      level: "medium",
      source: "database",
    });
    expect(
      deriveSeverity(withSpecific(pysec, { severity: "LOW", github_reviewed: true }), "osv"),
    ).toMatchObject({
      level: "low",
      source: "database",
    });
  });

  it("prefers v4 to v3 to v2, whatever their scores", () => {
    const severity = [v2, v31("AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), v4];
    expect(deriveSeverity({ ...pysec, severity }, "osv")).toEqual({
      level: "high",
      source: "cvss-v4",
      score: 8.2,
      vector: v4.score,
    });
    expect(deriveSeverity({ ...pysec, severity: [v2] }, "osv")).toEqual({
      level: "high",
      source: "cvss-v2",
      score: 10,
      vector: v2.score,
    });
  });

  it("takes the highest score among several vectors of one version, v3.0 and v3.1 alike", () => {
    const severity = [
      v31("AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H"),
      { type: "CVSS_V3", score: "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N" },
      v31("AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:L"),
    ];
    expect(deriveSeverity({ ...pysec, severity }, "osv")).toEqual({
      level: "high",
      source: "cvss-v3",
      score: 7.5,
      vector: "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N",
    });
  });

  it("looks in affected[] only when the record's own severity has no usable vector", () => {
    const affected = [
      { ...pysec.affected?.[0], severity: [v31("AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")] },
      { ...pysec.affected?.[0], severity: [v4] },
    ];
    expect(deriveSeverity({ ...pysec, severity: undefined, affected }, "osv")).toMatchObject({
      source: "cvss-v4",
      score: 8.2,
    });
    const malformed = [{ type: "CVSS_V3", score: "CVSS:3.1/AV:N" }];
    expect(deriveSeverity({ ...pysec, severity: malformed, affected }, "osv")).toMatchObject({
      source: "cvss-v4",
    });
    // A usable vector at the top wins over affected[].
    expect(deriveSeverity({ ...pysec, affected }, "osv")).toMatchObject({ source: "cvss-v3", score: 5.5 });
  });

  it("skips malformed vectors and vectors filed under another version's type", () => {
    const severity = [
      { type: "CVSS_V4", score: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H" },
      { type: "CVSS_V4", score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" },
      { type: "CVSS_V2", score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" },
      { type: "CVSS_V3", score: "not a vector" },
      ...(pysec.severity ?? []),
    ];
    expect(deriveSeverity({ ...pysec, severity }, "osv")).toEqual(deriveSeverity(pysec, "osv"));
    expect(deriveSeverity({ ...pysec, severity: severity.slice(0, 4) }, "osv")).toEqual({
      level: "unknown",
      source: "none",
    });
  });

  it("ignores non-string rating fields", () => {
    const odd = withSpecific(debian, { priority: 3, urgency: ["high"], severity: { level: "high" } });
    expect(deriveSeverity(odd, "osv")).toEqual({ level: "unknown", source: "none" });
  });
});
