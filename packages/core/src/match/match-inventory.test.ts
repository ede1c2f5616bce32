import { describe, expect, it } from "vitest";
import type { Advisory } from "../advisory/advisory.js";
import { createMemoryAdvisoryReader } from "../advisory/memory-advisory-reader.js";
import type { OsvAffected, OsvRecord } from "../advisory/osv-record.js";
import type { AdvisorySeverity } from "../advisory/severity-level.js";
import type { ImageInventory } from "../model/image-inventory.js";
import type { OsInfo } from "../model/os-info.js";
import type { Package } from "../model/package.js";
import { matchInventory } from "./match-inventory.js";

const location = { layerDigest: "sha256:aa", layerIndex: 0, path: "/var/lib/dpkg/status" };
const deb = (name: string, version: string, sourceName = name, sourceVersion = version): Package => ({
  type: "deb",
  name,
  version,
  sourceName,
  sourceVersion,
  purl: `pkg:deb/debian/${name}@${version}`,
  foundBy: "os/dpkg",
  location,
});
const range = (
  ecosystem: string,
  name: string,
  fixed?: string,
  extra: Partial<OsvAffected> = {},
): OsvAffected => ({
  package: { ecosystem, name },
  ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, ...(fixed ? [{ fixed }] : [])] }],
  ...extra,
});
const advisory = (
  record: Partial<OsvRecord> & { id: string },
  severity: AdvisorySeverity = { level: "unknown", source: "none" },
): Advisory => ({
  record: { modified: "2024-01-01T00:00:00Z", ...record },
  source: "test",
  fetchedAt: "2024-01-02T00:00:00Z",
  severity,
});
const inventory = (os: OsInfo | undefined, packages: Package[]): ImageInventory => ({
  ...(os ? { os } : {}),
  packages,
  issues: [],
});
const debian12: OsInfo = { id: "debian", versionId: "12", source: "/etc/os-release" };

const advisories: Advisory[] = [
  advisory({
    id: "DEBIAN-CVE-2023-5678",
    upstream: ["CVE-2023-5678"],
    summary: "openssl: excessive time spent in DH checks",
    affected: [
      range("Debian:12", "openssl", "3.0.11-1~deb12u2"),
      range("Debian:11", "openssl", "1.1.1w-0+deb11u1"),
    ],
  }),
  advisory(
    {
      id: "DSA-5532-1",
      upstream: ["CVE-2023-5678"],
      affected: [range("Debian:12", "openssl", "3.0.11-1~deb12u2")],
    },
    { level: "medium", source: "distribution", raw: "medium" },
  ),
  // Fixed by a backport the image already has: must not be reported.
  advisory({
    id: "DEBIAN-CVE-2023-38545",
    upstream: ["CVE-2023-38545"],
    affected: [range("Debian:12", "curl", "7.88.1-10+deb12u4")],
  }),
  // No fix yet, and one the distribution will not fix.
  advisory({
    id: "DEBIAN-CVE-2022-3715",
    upstream: ["CVE-2022-3715"],
    affected: [range("Debian:12", "bash")],
  }),
  advisory({
    id: "DEBIAN-CVE-2019-0001",
    upstream: ["CVE-2019-0001"],
    affected: [range("Debian:12", "bash", undefined, { database_specific: { nodsa_reason: "ignored" } })],
  }),
  // Another release's advisory for the same package name.
  advisory({
    id: "DEBIAN-CVE-2020-1111",
    upstream: ["CVE-2020-1111"],
    affected: [range("Debian:11", "bash", "6.0")],
  }),
  // Another distribution's record of the same CVE lends its CVSS vector, not its own rating.
  advisory(
    {
      id: "USN-9999-1",
      upstream: ["CVE-2022-3715"],
      affected: [range("Ubuntu:22.04:LTS", "bash", "5.1-6ubuntu1.1")],
    },
    {
      level: "low",
      source: "distribution",
      raw: "low",
      score: 7.8,
      vector: "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
    },
  ),
  advisory({
    id: "GHSA-jf85-cpcp-j695",
    aliases: ["CVE-2019-10744"],
    affected: [range("npm", "lodash", "4.17.12")],
  }),
];
const reader = createMemoryAdvisoryReader({
  advisories,
  enrichment: [
    {
      cve: "CVE-2023-5678",
      kev: { dateAdded: "2024-02-01" },
      epss: { score: 0.5, percentile: 0.9, date: "2024-02-02" },
    },
  ],
});

describe("matchInventory", () => {
  const image = inventory(debian12, [
    deb("libssl3", "3.0.11-1~deb12u1", "openssl"),
    deb("curl", "7.88.1-10+deb12u4"),
    deb("bash", "5.2.15-2+b2", "bash", "5.2.15-2"),
  ]);

  it("matches a binary package through its source package, collapsing a DSA and its CVE into one finding", async () => {
    const { matches } = await matchInventory({ inventory: image, reader });
    const ssl = matches.filter((m) => m.package.name === "libssl3");
    expect(ssl).toHaveLength(1);
    expect(ssl[0]).toMatchObject({
      id: "CVE-2023-5678",
      aliases: ["DEBIAN-CVE-2023-5678", "DSA-5532-1"],
      matchedVia: "source",
      matchedName: "openssl",
      matchedVersion: "3.0.11-1~deb12u1",
      ecosystem: "Debian:12",
      comparator: "deb",
      fixedVersion: "3.0.11-1~deb12u2",
      status: "fixed",
      severity: { level: "medium", source: "distribution" },
      kev: { dateAdded: "2024-02-01" },
      epss: { score: 0.5 },
      range: { kind: "range", introduced: "0", fixed: "3.0.11-1~deb12u2" },
    });
  });

  it("does not report a fix the distribution backported, nor another release's advisory", async () => {
    const { matches } = await matchInventory({ inventory: image, reader });
    expect(matches.some((m) => m.package.name === "curl")).toBe(false);
    expect(matches.some((m) => m.id === "CVE-2020-1111")).toBe(false);
  });

  it("says affected (no fix) and will-not-fix, comparing the source version", async () => {
    const { matches } = await matchInventory({ inventory: image, reader });
    const bash = Object.fromEntries(matches.filter((m) => m.package.name === "bash").map((m) => [m.id, m]));
    expect(bash["CVE-2022-3715"]).toMatchObject({
      status: "affected",
      matchedVersion: "5.2.15-2",
      severity: { level: "high", source: "cvss-v3", score: 7.8, raw: "CVSS from USN-9999-1" },
    });
    expect(bash["CVE-2022-3715"]!.fixedVersion).toBeUndefined();
    expect(bash["CVE-2019-0001"]).toMatchObject({ status: "will-not-fix" });
  });

  it("still matches language packages when the OS is unknown, and says why OS packages were not", async () => {
    const lodash: Package = {
      type: "npm",
      name: "lodash",
      version: "4.17.11",
      purl: "pkg:npm/lodash@4.17.11",
      foundBy: "lang/npm",
      location: { ...location, path: "/app/node_modules/lodash/package.json" },
    };
    const result = await matchInventory({
      inventory: inventory(undefined, [deb("bash", "5.0"), lodash]),
      reader,
    });
    expect(result.matches.map((m) => m.id)).toEqual(["CVE-2019-10744"]);
    expect(result.osNotMatched).toMatch(/could not be identified/);
    expect(result.issues).toEqual([
      expect.objectContaining({ code: "os-packages-not-matched", severity: "warning" }),
    ]);
  });

  it("reports an installed version that does not parse as a located issue", async () => {
    const result = await matchInventory({
      inventory: inventory(debian12, [deb("bash", "not a version")]),
      reader,
    });
    expect(result.issues).toContainEqual(
      expect.objectContaining({
        code: "installed-version-not-comparable",
        location: expect.objectContaining({ path: "/var/lib/dpkg/status", record: "bash" }),
      }),
    );
  });

  it("does not match OS packages of a release without advisories and says so", async () => {
    const result = await matchInventory({
      inventory: inventory({ id: "debian", versionCodename: "trixie/sid", source: "/etc/debian_version" }, [
        deb("bash", "5.0"),
      ]),
      reader,
    });
    expect(result.matches).toEqual([]);
    expect(result.osNotMatched).toMatch(/without a release number/);
  });
});
