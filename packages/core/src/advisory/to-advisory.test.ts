import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { OsvRecord } from "./osv-record.js";
import { defaultUpstreamUrl, toAdvisory } from "./to-advisory.js";

function record(file: string): OsvRecord {
  return JSON.parse(
    readFileSync(new URL(`./testdata/severity/${file}`, import.meta.url), "utf8"),
  ) as OsvRecord;
}

describe("toAdvisory", () => {
  const fetchedAt = "2026-11-29T12:00:00Z";

  it("keeps the record unchanged, with source, fetch time and derived severity", () => {
    const rhsa = record("RHSA-2022_5716.json");
    const copy = structuredClone(rhsa);
    const advisory = toAdvisory(rhsa, "redhat", fetchedAt, "https://access.redhat.com/errata/RHSA-2022:5716");
    expect(advisory).toEqual({
      record: copy,
      source: "redhat",
      fetchedAt,
      upstreamUrl: "https://access.redhat.com/errata/RHSA-2022:5716",
      severity: {
        level: "high",
        source: "distribution",
        raw: "important",
        score: 7.1,
        vector: "CVSS:3.1/AV:N/AC:H/PR:L/UI:N/S:U/C:H/I:H/A:L",
      },
    });
    expect(advisory.record).toBe(rhsa);
  });

  it.each([
    ["GO-2025-3451.json", "https://osv.dev/vulnerability/GO-2025-3451"],
    ["GHSA-9v2f-6vcg-3hgv.json", "https://osv.dev/vulnerability/GHSA-9v2f-6vcg-3hgv"],
    ["RHSA-2022_0216.json", "https://osv.dev/vulnerability/RHSA-2022:0216"],
    ["USN-6046-1.json", "https://osv.dev/vulnerability/USN-6046-1"],
    ["DEBIAN-CVE-2023-3153.json", "https://osv.dev/vulnerability/DEBIAN-CVE-2023-3153"],
    ["RUSTSEC-2018-0010.json", "https://osv.dev/vulnerability/RUSTSEC-2018-0010"],
  ])("defaults the upstream page of %s to osv.dev", (file, url) => {
    expect(toAdvisory(record(file), "osv", fetchedAt).upstreamUrl).toBe(url);
    expect(toAdvisory(record(file), "osv", fetchedAt, "").upstreamUrl).toBe(url);
  });

  it("leaves the upstream page out for an id that is not OSV-style", () => {
    const go = record("GO-2025-3451.json");
    for (const id of ["alpine/v3.19/main/openssl", "cve-2024-1234", "12345", "", "GO-2025-3451 ", "A-<b>"]) {
      const advisory = toAdvisory({ ...go, id }, "osv", fetchedAt);
      expect(advisory).not.toHaveProperty("upstreamUrl");
      expect(defaultUpstreamUrl(id)).toBeUndefined();
    }
    expect(defaultUpstreamUrl("openSUSE-SU-2024:13560-1")).toBe(
      "https://osv.dev/vulnerability/openSUSE-SU-2024:13560-1",
    );
    expect(defaultUpstreamUrl("CVE-2024-3094")).toBe("https://osv.dev/vulnerability/CVE-2024-3094");
  });
});
