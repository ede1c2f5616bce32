import type { Advisory } from "../../advisory/advisory.js";
import { createMemoryAdvisoryReader } from "../../advisory/memory-advisory-reader.js";
import type { OsvAffected, OsvRecord } from "../../advisory/osv-record.js";
import type { AdvisorySeverity } from "../../advisory/severity-level.js";
import { packageUrl } from "../../inventory/package-url.js";
import { matchInventory } from "../../match/match-inventory.js";
import type { ResolvedImage } from "../../model/image.js";
import type { ImageInventory } from "../../model/image-inventory.js";
import type { Match } from "../../model/match.js";
import type { OsInfo } from "../../model/os-info.js";
import { comparePackages, type ExtractedPackage, type Package } from "../../model/package.js";

/**
 * A small Debian 12 image with an npm application layer, real-shaped advisories for it, and
 * the matches the matcher finds: the shared input of the report tests. Built by hand, not by
 * scanning a gzip layer, so digests do not depend on the zlib a Node version bundles.
 */
export interface VulnerableImage {
  readonly image: ResolvedImage;
  readonly inventory: ImageInventory;
  readonly matches: readonly Match[];
  readonly advisories: ReadonlyMap<string, Advisory>;
}

const layer0 = "sha256:5f2d8a1c0b7e4d3a9e6f1b2c8d4e7a0f3b6c9d2e5a8b1c4d7e0f3a6b9c2d5e8f";
const layer1 = "sha256:a3c1e5b7d9f2a4c6e8b0d2f4a6c8e0b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4";

export const IMAGE: ResolvedImage = {
  reference: "registry.example.com/shop/api:1.4.2",
  repository: "registry.example.com/shop/api",
  manifestDigest: "sha256:9b2a6c4e8d0f1a3b5c7d9e1f2a4b6c8d0e2f4a6b8c0d2e4f6a8b0c2d4e6f8a0b",
  manifestMediaType: "application/vnd.oci.image.manifest.v1+json",
  indexDigest: "sha256:1f3e5d7c9b0a2f4e6d8c0b2a4f6e8d0c2b4a6f8e0d2c4b6a8f0e2d4c6b8a0f2e",
  platform: { os: "linux", architecture: "amd64" },
  configDigest: "sha256:c0ffee0123456789abcdef0123456789abcdef0123456789abcdef0123456789",
  config: {
    os: "linux",
    architecture: "amd64",
    diffIds: [
      "sha256:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9",
      "sha256:f9e8d7c6b5a40918273645f6e7d8c9b0a1f2e3d4c5b6a79808172635e4f5a6b7",
    ],
  },
  layers: [
    { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: layer0, size: 29_124_812 },
    { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: layer1, size: 1_482_201 },
  ],
};

const os: OsInfo = {
  id: "debian",
  versionId: "12",
  versionCodename: "bookworm",
  prettyName: "Debian GNU/Linux 12 (bookworm)",
  source: "/etc/os-release",
};

function pkg(extracted: ExtractedPackage, layerIndex: number, path: string, foundBy: string): Package {
  return {
    ...extracted,
    purl: packageUrl(extracted, os),
    foundBy,
    location: {
      layerDigest: layerIndex === 0 ? layer0 : layer1,
      diffId: IMAGE.config.diffIds[layerIndex]!,
      layerIndex,
      path,
    },
  };
}
const dpkg = (name: string, version: string, sourceName?: string, sourceVersion?: string) =>
  pkg(
    {
      type: "deb",
      name,
      version,
      arch: "amd64",
      sourceName: sourceName ?? name,
      sourceVersion: sourceVersion ?? version,
    },
    0,
    "/var/lib/dpkg/status",
    "os/dpkg",
  );

export const INVENTORY: ImageInventory = {
  os,
  packages: [
    dpkg("libc6", "2.36-9+deb12u1", "glibc"),
    dpkg("libssl3", "3.0.11-1~deb12u1", "openssl"),
    dpkg("openssl", "3.0.11-1~deb12u1"),
    dpkg("bash", "5.2.15-2+b2", "bash", "5.2.15-2"),
    dpkg("curl", "7.88.1-10+deb12u4"),
    dpkg("zlib1g", "1:1.2.13.dfsg-1", "zlib"),
    pkg(
      { type: "npm", name: "lodash", version: "4.17.11" },
      1,
      "/app/node_modules/lodash/package.json",
      "lang/npm",
    ),
  ].sort(comparePackages),
  issues: [],
};

const debian = (name: string, fixed?: string, extra: Partial<OsvAffected> = {}): OsvAffected => ({
  package: { ecosystem: "Debian:12", name },
  ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, ...(fixed ? [{ fixed }] : [])] }],
  ...extra,
});
const advisory = (record: Partial<OsvRecord> & { id: string }, severity: AdvisorySeverity): Advisory => ({
  record: { modified: "2024-05-01T00:00:00Z", ...record },
  source: record.id.startsWith("GHSA-") ? "osv" : "debian-tracker",
  fetchedAt: "2024-05-02T00:00:00Z",
  severity,
});

export const ADVISORIES: readonly Advisory[] = [
  advisory(
    {
      id: "DEBIAN-CVE-2023-4911",
      upstream: ["CVE-2023-4911"],
      summary: "Looney Tunables: buffer overflow in ld.so GLIBC_TUNABLES processing",
      details:
        "A buffer overflow was discovered in the GNU C Library's dynamic loader ld.so while processing the GLIBC_TUNABLES environment variable. A local attacker can use maliciously crafted GLIBC_TUNABLES when launching binaries with SUID permission to execute code with elevated privileges.",
      severity: [{ type: "CVSS_V3", score: "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H" }],
      affected: [debian("glibc", "2.36-9+deb12u3")],
      references: [{ type: "ADVISORY", url: "https://security-tracker.debian.org/tracker/CVE-2023-4911" }],
      database_specific: { cwe_ids: ["CWE-122"] },
    },
    {
      level: "high",
      source: "cvss-v3",
      score: 7.8,
      vector: "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
    },
  ),
  advisory(
    {
      id: "DEBIAN-CVE-2023-5678",
      upstream: ["CVE-2023-5678"],
      summary: "openssl: excessive time spent in DH check / generation with large Q parameter value",
      affected: [debian("openssl", "3.0.11-1~deb12u2")],
    },
    { level: "low", source: "distribution", raw: "low" },
  ),
  advisory(
    {
      id: "DSA-5532-1",
      upstream: ["CVE-2023-5678"],
      summary: "openssl security update",
      affected: [debian("openssl", "3.0.11-1~deb12u2")],
      references: [{ type: "ADVISORY", url: "https://www.debian.org/security/2023/dsa-5532" }],
    },
    { level: "unknown", source: "none" },
  ),
  advisory(
    {
      id: "DEBIAN-CVE-2022-3715",
      upstream: ["CVE-2022-3715"],
      summary: "bash: a heap-buffer-overflow in valid_parameter_transform",
      affected: [debian("bash")],
    },
    { level: "unknown", source: "none" },
  ),
  advisory(
    {
      id: "DEBIAN-CVE-2023-45853",
      upstream: ["CVE-2023-45853"],
      summary: "MiniZip in zlib through 1.3 has an integer overflow in zipOpenNewFileInZip4_64",
      affected: [debian("zlib", undefined, { database_specific: { nodsa_reason: "ignored" } })],
    },
    { level: "negligible", source: "distribution", raw: "unimportant" },
  ),
  advisory(
    {
      id: "GHSA-jf85-cpcp-j695",
      aliases: ["CVE-2019-10744"],
      summary: "Prototype Pollution in lodash",
      details:
        "Versions of lodash before 4.17.12 are vulnerable to Prototype Pollution. The function defaultsDeep allows a malicious user to modify the prototype of Object via {constructor: {prototype: {...}}}.",
      severity: [{ type: "CVSS_V3", score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:H" }],
      affected: [
        {
          package: { ecosystem: "npm", name: "lodash", purl: "pkg:npm/lodash" },
          ranges: [{ type: "SEMVER", events: [{ introduced: "0" }, { fixed: "4.17.12" }] }],
        },
      ],
      references: [
        { type: "ADVISORY", url: "https://nvd.nist.gov/vuln/detail/CVE-2019-10744" },
        { type: "WEB", url: "https://github.com/lodash/lodash/pull/4336" },
      ],
      database_specific: { cwe_ids: ["CWE-1321", "CWE-20"], github_reviewed: true },
    },
    {
      level: "critical",
      source: "cvss-v3",
      score: 9.1,
      vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:H",
    },
  ),
];

/** Match {@link INVENTORY} against {@link ADVISORIES} with the real matcher. */
export async function vulnerableImage(): Promise<VulnerableImage> {
  const reader = createMemoryAdvisoryReader({
    advisories: ADVISORIES,
    enrichment: [
      {
        cve: "CVE-2023-4911",
        kev: { dateAdded: "2023-11-21", dueDate: "2023-12-12" },
        epss: { score: 0.7012, percentile: 0.9821, date: "2024-05-01" },
      },
    ],
  });
  const { matches } = await matchInventory({ inventory: INVENTORY, reader });
  return {
    image: IMAGE,
    inventory: INVENTORY,
    matches,
    advisories: new Map(ADVISORIES.map((a) => [a.record.id, a])),
  };
}
