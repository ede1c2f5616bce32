/**
 * Input of the GitLab report goldens: a Debian 12 image with a web app, and an Alpine image,
 * as the matcher would describe them. The advisory data is modelled on real advisories
 * (ids, titles, fixed versions, links) but is illustrative, not a copy of any database;
 * KEV and EPSS values especially are made up to exercise the output.
 */
import type { ResolvedImage } from "../../../model/image.js";
import type { ImageInventory } from "../../../model/image-inventory.js";
import type { Match } from "../../../model/match.js";
import type { Package, PackageLocation } from "../../../model/package.js";
import type { GitlabKubernetesResource, GitlabScanInfo } from "../gitlab-report-input.js";

const hex = (c: string) => c.repeat(64);

const layers = [hex("1"), hex("2"), hex("3")].map((h, i) => ({
  mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
  digest: `sha256:${h}`,
  size: 1000 * (i + 1),
}));

/** `registry.example.com/shop/web:1.8.0`: Debian 12 with a Node.js app. */
export const debianImage: ResolvedImage = {
  reference: "registry.example.com/shop/web:1.8.0",
  repository: "registry.example.com/shop/web",
  manifestDigest: `sha256:${hex("a")}`,
  manifestMediaType: "application/vnd.oci.image.manifest.v1+json",
  platform: { os: "linux", architecture: "amd64" },
  configDigest: `sha256:${hex("c")}`,
  config: { os: "linux", architecture: "amd64", diffIds: [`sha256:${hex("d")}`, `sha256:${hex("e")}`] },
  layers,
};

const dpkgStatus: PackageLocation = {
  layerDigest: layers[0]!.digest,
  diffId: `sha256:${hex("d")}`,
  layerIndex: 0,
  path: "/var/lib/dpkg/status",
};

const deb = (name: string, version: string, source = name, sourceVersion = version): Package => ({
  type: "deb",
  name,
  version,
  sourceName: source,
  sourceVersion,
  arch: "amd64",
  purl: `pkg:deb/debian/${name}@${encodeURIComponent(version)}?arch=amd64&distro=debian-12${source !== name ? `&upstream=${source}` : ""}`,
  foundBy: "os/dpkg",
  location: dpkgStatus,
});

const libssl3 = deb("libssl3", "3.0.11-1~deb12u1", "openssl");
const libwebp7 = deb("libwebp7", "1.2.4-0.2", "libwebp");
const bash = deb("bash", "5.2.15-2+b2", "bash", "5.2.15-2");
const apt = deb("apt", "2.6.1");
const lodash: Package = {
  type: "npm",
  name: "lodash",
  version: "4.17.11",
  purl: "pkg:npm/lodash@4.17.11",
  foundBy: "lang/npm",
  location: { layerDigest: layers[2]!.digest, layerIndex: 2, path: "/app/node_modules/lodash/package.json" },
};

const debianMatch = (
  pkg: Package,
  fields: Pick<Match, "id" | "status" | "severity" | "references"> & Partial<Match>,
): Match => ({
  aliases: [`DEBIAN-${fields.id}`],
  advisoryIds: [`DEBIAN-${fields.id}`],
  package: pkg,
  // The matcher compares dpkg packages through their source package, even when the names are equal.
  matchedVia: "source",
  matchedName: pkg.sourceName ?? pkg.name,
  matchedVersion: pkg.sourceVersion ?? pkg.version,
  ecosystem: "Debian:12",
  comparator: "deb",
  range: {
    kind: "range",
    rangeIndex: 0,
    rangeType: "ECOSYSTEM",
    introduced: "0",
    ...(fields.fixedVersion ? { fixed: fields.fixedVersion } : {}),
  },
  ...fields,
});

/** OS package matched through its source package, fixed, with a DSA alias. */
export const opensslMatch = debianMatch(libssl3, {
  id: "CVE-2023-5678",
  aliases: ["DEBIAN-CVE-2023-5678", "DSA-5532-1"],
  advisoryIds: ["DEBIAN-CVE-2023-5678", "DSA-5532-1"],
  fixedVersion: "3.0.11-1~deb12u2",
  status: "fixed",
  severity: {
    level: "medium",
    source: "cvss-v3",
    score: 5.3,
    vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L",
  },
  summary: "openssl: excessive time spent in DH checks",
  description:
    "Generating excessively long X9.42 DH keys or checking excessively long X9.42 DH keys or parameters may be very slow. " +
    "Applications that use DH_generate_key() or DH_check_pub_key() on keys or parameters from an untrusted source may be vulnerable to a denial of service.",
  references: [
    "https://www.openssl.org/news/secadv/20231106.txt",
    "https://security-tracker.debian.org/tracker/CVE-2023-5678",
    "https://nvd.nist.gov/vuln/detail/CVE-2023-5678",
  ],
});

/** Fixed, in CISA's KEV catalog, with an EPSS score. */
export const libwebpMatch = debianMatch(libwebp7, {
  id: "CVE-2023-4863",
  fixedVersion: "1.2.4-0.2+deb12u1",
  status: "fixed",
  severity: {
    level: "high",
    source: "cvss-v3",
    score: 8.8,
    vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H",
  },
  summary: "libwebp: heap buffer overflow in WebP codec",
  description:
    "Heap buffer overflow in libwebp allows a remote attacker to perform an out of bounds memory write via a crafted HTML page.",
  references: [
    "https://security-tracker.debian.org/tracker/CVE-2023-4863",
    "https://nvd.nist.gov/vuln/detail/CVE-2023-4863",
  ],
  kev: { dateAdded: "2023-09-13", dueDate: "2023-10-04", ransomware: false },
  epss: { score: 0.7312, percentile: 0.9871, date: "2024-06-01" },
});

/** No fix yet; the binary version (binNMU) differs from the source version compared. */
export const bashMatch = debianMatch(bash, {
  id: "CVE-2022-3715",
  status: "affected",
  severity: {
    level: "high",
    source: "cvss-v3",
    score: 7.8,
    vector: "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
  },
  summary: "bash: a heap-buffer-overflow in valid_parameter_transform",
  description:
    "A flaw was found in the bash package, where a heap-buffer overflow can occur in valid_parameter_transform. This issue may lead to memory problems.",
  references: ["https://security-tracker.debian.org/tracker/CVE-2022-3715"],
});

/** The distribution will not fix it and rates it `unimportant` (negligible); no summary. */
export const aptMatch = debianMatch(apt, {
  id: "CVE-2011-3374",
  status: "will-not-fix",
  severity: { level: "negligible", source: "distribution", raw: "unimportant" },
  description:
    "It was found that apt-key in apt, all versions, do not correctly validate gpg keys with the master keyring, leading to a potential man-in-the-middle attack.",
  references: [
    "https://security-tracker.debian.org/tracker/CVE-2011-3374",
    "https://bugs.debian.org/cgi-bin/bugreport.cgi?bug=642480",
  ],
});

/** Language package matched by a GHSA whose CVE alias becomes the primary id. */
export const lodashMatch: Match = {
  id: "CVE-2019-10744",
  aliases: ["GHSA-jf85-cpcp-j695"],
  advisoryIds: ["GHSA-jf85-cpcp-j695"],
  package: lodash,
  matchedVia: "binary",
  matchedName: "lodash",
  matchedVersion: "4.17.11",
  ecosystem: "npm",
  comparator: "semver-npm",
  range: { kind: "range", rangeIndex: 0, rangeType: "SEMVER", introduced: "0", fixed: "4.17.12" },
  fixedVersion: "4.17.12",
  status: "fixed",
  severity: {
    level: "critical",
    source: "cvss-v3",
    score: 9.1,
    vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:H",
  },
  summary: "Prototype Pollution in lodash",
  description:
    "Versions of lodash lower than 4.17.12 are vulnerable to Prototype Pollution. The function defaultsDeep could be tricked into adding or modifying properties of Object.prototype using a constructor payload.",
  references: [
    "https://nvd.nist.gov/vuln/detail/CVE-2019-10744",
    "https://github.com/lodash/lodash/pull/4336",
    "https://github.com/advisories/GHSA-jf85-cpcp-j695",
  ],
};

export const debianInventory: ImageInventory = {
  os: { id: "debian", versionId: "12", versionCodename: "bookworm", source: "/etc/os-release" },
  packages: [apt, bash, libssl3, libwebp7, lodash],
  issues: [],
};

export const debianMatches: readonly Match[] = [opensslMatch, libwebpMatch, bashMatch, aptMatch, lodashMatch];

/** `docker.io/library/alpine@sha256:…`, pinned by digest only. */
export const alpineImage: ResolvedImage = {
  reference: `docker.io/library/alpine@sha256:${hex("b")}`,
  repository: "docker.io/library/alpine",
  manifestDigest: `sha256:${hex("b")}`,
  manifestMediaType: "application/vnd.oci.image.manifest.v1+json",
  platform: { os: "linux", architecture: "amd64" },
  configDigest: `sha256:${hex("f")}`,
  config: { os: "linux", architecture: "amd64", diffIds: [`sha256:${hex("9")}`] },
  layers: [
    { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: `sha256:${hex("8")}`, size: 3000 },
  ],
};

const busybox: Package = {
  type: "apk",
  name: "busybox",
  version: "1.36.1-r15",
  sourceName: "busybox",
  sourceVersion: "1.36.1-r15",
  arch: "x86_64",
  purl: "pkg:apk/alpine/busybox@1.36.1-r15?arch=x86_64&distro=3.19.1",
  foundBy: "os/apk",
  location: { layerDigest: `sha256:${hex("8")}`, layerIndex: 0, path: "/lib/apk/db/installed" },
};

export const alpineInventory: ImageInventory = {
  os: { id: "alpine", versionId: "3.19.1", source: "/etc/os-release" },
  packages: [busybox],
  issues: [],
};

export const busyboxMatch: Match = {
  id: "CVE-2023-42366",
  aliases: ["ALPINE-CVE-2023-42366"],
  advisoryIds: ["ALPINE-CVE-2023-42366"],
  package: busybox,
  matchedVia: "source",
  matchedName: "busybox",
  matchedVersion: "1.36.1-r15",
  ecosystem: "Alpine:v3.19",
  comparator: "apk",
  range: { kind: "range", rangeIndex: 0, rangeType: "ECOSYSTEM", introduced: "0", fixed: "1.36.1-r16" },
  fixedVersion: "1.36.1-r16",
  status: "fixed",
  severity: {
    level: "medium",
    source: "cvss-v3",
    score: 5.5,
    vector: "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H",
  },
  summary: "busybox: heap-buffer-overflow in awk",
  references: [
    "https://security.alpinelinux.org/vuln/CVE-2023-42366",
    "https://bugs.busybox.net/show_bug.cgi?id=15874",
  ],
};

export const webDeployment: GitlabKubernetesResource = {
  namespace: "shop",
  kind: "Deployment",
  name: "web",
  containerName: "web",
  agentId: "17",
};

export const reportCronJob: GitlabKubernetesResource = {
  namespace: "shop",
  kind: "CronJob",
  name: "nightly-report",
  containerName: "report",
  agentId: "17",
};

export const logShipper: GitlabKubernetesResource = {
  namespace: "kube-system",
  kind: "DaemonSet",
  name: "log-shipper",
  containerName: "shipper",
  agentId: "17",
};

export const scanInfo: GitlabScanInfo = {
  startTime: new Date("2024-06-03T10:15:30.250Z"),
  endTime: new Date("2024-06-03T10:16:02.999Z"),
  status: "success",
};

export const tool = { version: "0.1.0" };
