import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Match } from "../../model/match.js";
import type { GitlabSecurityReport, GitlabVulnerability } from "./gitlab-report-format.js";
import { GitlabReportInputError } from "./gitlab-report-input.js";
import { renderGitlabClusterImageScanning, renderGitlabContainerScanning } from "./render-gitlab-report.js";
import {
  alpineImage,
  alpineInventory,
  aptMatch,
  busyboxMatch,
  debianImage,
  debianInventory,
  debianMatches,
  logShipper,
  opensslMatch,
  reportCronJob,
  scanInfo,
  tool,
  webDeployment,
} from "./test-support/gitlab-fixtures.js";
import { gitlabSchemaErrors, gitlabTestdata, readTestdataJson } from "./test-support/gitlab-schemas.js";

const containerInput = {
  image: debianImage,
  inventory: debianInventory,
  matches: debianMatches,
  scan: scanInfo,
  tool,
};
const clusterInput = {
  scan: scanInfo,
  tool,
  images: [
    {
      image: debianImage,
      inventory: debianInventory,
      matches: [opensslMatch, aptMatch],
      kubernetes: [webDeployment, reportCronJob],
    },
    {
      image: alpineImage,
      inventory: alpineInventory,
      matches: [{ ...busyboxMatch, kubernetes: logShipper }],
    },
  ],
};

const parse = (json: string) => JSON.parse(json) as GitlabSecurityReport;
const byCve = (report: GitlabSecurityReport, cve: string): GitlabVulnerability[] =>
  report.vulnerabilities.filter((v) => v.identifiers[0]!.value === cve);
// biome-ignore lint/suspicious/noExplicitAny: the schema tests break arbitrary parts of a parsed report on purpose.
type Loose = any;
/** A deep copy to break on purpose. */
const clone = (value: unknown) => structuredClone(value) as Loose;

describe("GitLab container scanning report", () => {
  const json = renderGitlabContainerScanning(containerInput);
  const report = parse(json);

  it("matches the golden, which validates against the 15.0.7 schema with zero errors", async () => {
    await expect(json).toMatchFileSnapshot(join(gitlabTestdata, "container-scanning.golden.json"));
    expect(gitlabSchemaErrors("container_scanning", report)).toEqual([]);
    expect(
      gitlabSchemaErrors("container_scanning", readTestdataJson("container-scanning.golden.json")),
    ).toEqual([]);
  });

  it("writes the scan block GitLab requires, with times in the schema's zone-less pattern", () => {
    expect(report.version).toBe("15.0.7");
    expect(report.scan).toEqual({
      analyzer: { id: "vigil", name: "Vigil", vendor: { name: "Vigil" }, version: "0.1.0" },
      scanner: { id: "vigil", name: "Vigil", vendor: { name: "Vigil" }, version: "0.1.0" },
      type: "container_scanning",
      start_time: "2024-06-03T10:15:30",
      end_time: "2024-06-03T10:16:02",
      status: "success",
    });
  });

  it("sorts by severity, most severe first, then by primary id", () => {
    expect(report.vulnerabilities.map((v) => [v.severity, v.identifiers[0]!.value])).toEqual([
      ["Critical", "CVE-2019-10744"],
      ["High", "CVE-2022-3715"],
      ["High", "CVE-2023-4863"],
      ["Medium", "CVE-2023-5678"],
      ["Low", "CVE-2011-3374"],
    ]);
  });

  it("maps an OS package matched through its source package, with every alias as an identifier", () => {
    const [ssl] = byCve(report, "CVE-2023-5678");
    expect(ssl).toMatchObject({
      name: "openssl: excessive time spent in DH checks",
      severity: "Medium",
      solution: "Upgrade libssl3 to 3.0.11-1~deb12u2",
      identifiers: [
        {
          type: "cve",
          name: "CVE-2023-5678",
          value: "CVE-2023-5678",
          url: "https://nvd.nist.gov/vuln/detail/CVE-2023-5678",
        },
        {
          type: "debian",
          name: "DEBIAN-CVE-2023-5678",
          value: "DEBIAN-CVE-2023-5678",
          url: "https://security-tracker.debian.org/tracker/CVE-2023-5678",
        },
        {
          type: "dsa",
          name: "DSA-5532-1",
          value: "DSA-5532-1",
          url: "https://security-tracker.debian.org/tracker/DSA-5532-1",
        },
      ],
      cvss_vectors: [{ vendor: "unknown", vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L" }],
      location: {
        dependency: { package: { name: "libssl3" }, version: "3.0.11-1~deb12u1" },
        operating_system: "debian 12",
        image: "registry.example.com/shop/web:1.8.0",
      },
    });
    expect(ssl!.details).toMatchObject({
      fixed_version: { type: "text", value: "3.0.11-1~deb12u2" },
      matched_via: { type: "text", value: "source package openssl 3.0.11-1~deb12u1" },
      layer: { type: "named-list", items: { digest: { type: "text", value: `sha256:${"1".repeat(64)}` } } },
      image_digest: { type: "text", value: `sha256:${"a".repeat(64)}` },
    });
  });

  it("leaves out the solution when there is no fix, and says why in the details", () => {
    const [bash] = byCve(report, "CVE-2022-3715");
    const [apt] = byCve(report, "CVE-2011-3374");
    expect(bash!.solution).toBeUndefined();
    expect(bash!.details!.fix_status).toEqual({
      name: "Fix status",
      type: "text",
      value: "No fixed version yet",
    });
    expect(bash!.location.dependency.version).toBe("5.2.15-2+b2");
    expect(apt!.solution).toBeUndefined();
    expect(apt!.details!.fix_status).toMatchObject({ value: "The distribution will not fix this" });
  });

  it("reports negligible as Low and keeps the published rating; names a finding without summary by its id", () => {
    const [apt] = byCve(report, "CVE-2011-3374");
    expect(apt!.severity).toBe("Low");
    expect(apt!.name).toBe("CVE-2011-3374");
    expect(apt!.details!.severity).toMatchObject({
      items: {
        level: { value: "negligible" },
        source: { value: "distribution" },
        rating: { value: "unimportant" },
      },
    });
  });

  it("maps a language package with its GHSA, and KEV and EPSS into details", () => {
    const [lodash] = byCve(report, "CVE-2019-10744");
    expect(lodash!.identifiers[1]).toEqual({
      type: "ghsa",
      name: "GHSA-jf85-cpcp-j695",
      value: "GHSA-jf85-cpcp-j695",
      url: "https://github.com/advisories/GHSA-jf85-cpcp-j695",
    });
    expect(lodash!.location.dependency).toEqual({ package: { name: "lodash" }, version: "4.17.11" });
    expect(lodash!.details!.file_path).toMatchObject({ value: "/app/node_modules/lodash/package.json" });
    const [webp] = byCve(report, "CVE-2023-4863");
    expect(webp!.details!.kev).toMatchObject({
      type: "named-list",
      items: { date_added: { value: "2023-09-13" }, due_date: { value: "2023-10-04" } },
    });
    expect(webp!.details!.epss).toMatchObject({ items: { score: { type: "value", value: 0.7312 } } });
  });

  it("is byte-identical whatever the order of the matches", () => {
    const reversed = renderGitlabContainerScanning({
      ...containerInput,
      matches: [...debianMatches].reverse(),
    });
    expect(reversed).toBe(json);
  });

  it("keeps a finding's id when the image is upgraded but the CVE survives, and only then", () => {
    const upgradedSsl: Match = {
      ...opensslMatch,
      package: { ...opensslMatch.package, version: "3.0.11-1~deb12u3" },
      matchedVersion: "3.0.11-1~deb12u3",
      fixedVersion: "3.0.11-1~deb12u4",
    };
    const upgraded = parse(
      renderGitlabContainerScanning({
        ...containerInput,
        image: {
          ...debianImage,
          reference: `${debianImage.repository}:1.9.0`,
          manifestDigest: `sha256:${"0".repeat(64)}`,
        },
        matches: [upgradedSsl],
      }),
    );
    expect(upgraded.vulnerabilities[0]!.id).toBe(byCve(report, "CVE-2023-5678")[0]!.id);
    const other = parse(
      renderGitlabContainerScanning({
        ...containerInput,
        image: {
          ...debianImage,
          reference: "registry.example.com/shop/api:1.8.0",
          repository: "registry.example.com/shop/api",
        },
        matches: [opensslMatch],
      }),
    );
    expect(other.vulnerabilities[0]!.id).not.toBe(byCve(report, "CVE-2023-5678")[0]!.id);
    const ids = report.vulnerabilities.map((v) => v.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("refuses input GitLab could not take: an invalid date, an empty version", () => {
    expect(() =>
      renderGitlabContainerScanning({
        ...containerInput,
        scan: { ...scanInfo, endTime: new Date(Number.NaN) },
      }),
    ).toThrow(GitlabReportInputError);
    expect(() => renderGitlabContainerScanning({ ...containerInput, tool: { version: "" } })).toThrow(
      /tool version is empty/,
    );
  });

  it("passes scan messages and a failed status through", () => {
    const failed = parse(
      renderGitlabContainerScanning({
        ...containerInput,
        matches: [],
        scan: {
          ...scanInfo,
          status: "failure",
          messages: [{ level: "fatal", value: "Layer 2 could not be read" }],
        },
      }),
    );
    expect(failed.scan).toMatchObject({
      status: "failure",
      messages: [{ level: "fatal", value: "Layer 2 could not be read" }],
    });
    expect(failed.vulnerabilities).toEqual([]);
    expect(gitlabSchemaErrors("container_scanning", failed)).toEqual([]);
  });
});

describe("GitLab cluster image scanning report", () => {
  const json = renderGitlabClusterImageScanning(clusterInput);
  const report = parse(json);

  it("matches the golden, which validates against the 15.0.7 schema with zero errors", async () => {
    await expect(json).toMatchFileSnapshot(join(gitlabTestdata, "cluster-image-scanning.golden.json"));
    expect(gitlabSchemaErrors("cluster_image_scanning", report)).toEqual([]);
    expect(
      gitlabSchemaErrors("cluster_image_scanning", readTestdataJson("cluster-image-scanning.golden.json")),
    ).toEqual([]);
    expect(report.scan.type).toBe("cluster_image_scanning");
  });

  it("reports a match once per workload running the image, each with its own resource and id", () => {
    const ssl = byCve(report, "CVE-2023-5678");
    expect(ssl.map((v) => v.location.kubernetes_resource)).toEqual([
      {
        namespace: "shop",
        kind: "CronJob",
        name: "nightly-report",
        container_name: "report",
        agent_id: "17",
      },
      { namespace: "shop", kind: "Deployment", name: "web", container_name: "web", agent_id: "17" },
    ]);
    expect(ssl[0]!.id).not.toBe(ssl[1]!.id);
  });

  it("lets a match carry its own workload, and keeps a digest-only reference whole", () => {
    const [busybox] = byCve(report, "CVE-2023-42366");
    expect(busybox!.location).toEqual({
      dependency: { package: { name: "busybox" }, version: "1.36.1-r15" },
      operating_system: "alpine 3.19.1",
      image: `docker.io/library/alpine@sha256:${"b".repeat(64)}`,
      kubernetes_resource: {
        namespace: "kube-system",
        kind: "DaemonSet",
        name: "log-shipper",
        container_name: "shipper",
        agent_id: "17",
      },
    });
    expect(busybox!.identifiers.map((i) => i.type)).toEqual(["cve", "alpine"]);
  });

  it("keeps a finding's id when the workload moves to a new image", () => {
    const moved = parse(
      renderGitlabClusterImageScanning({
        scan: scanInfo,
        tool,
        image: {
          ...debianImage,
          reference: "registry.example.com/shop/web-v2:2.0.0",
          repository: "registry.example.com/shop/web-v2",
        },
        inventory: debianInventory,
        matches: [opensslMatch],
        kubernetes: webDeployment,
      }),
    );
    const before = byCve(report, "CVE-2023-5678").find(
      (v) => v.location.kubernetes_resource?.kind === "Deployment",
    );
    expect(moved.vulnerabilities[0]!.id).toBe(before!.id);
  });

  it("refuses a match that no workload runs", () => {
    expect(() =>
      renderGitlabClusterImageScanning({
        scan: scanInfo,
        tool,
        image: debianImage,
        inventory: debianInventory,
        matches: [opensslMatch],
      }),
    ).toThrow(/CVE-2023-5678 in libssl3 .* has no Kubernetes resource/);
  });
});

describe("the schema check is not vacuous", () => {
  // Read when a test runs, after the golden tests above have written or checked the files.
  const good = () => readTestdataJson("container-scanning.golden.json");
  const goodCluster = () => readTestdataJson("cluster-image-scanning.golden.json");

  it("accepts the real Trivy report and the synthetic cluster report", () => {
    expect(
      gitlabSchemaErrors("container_scanning", readTestdataJson("trivy/alpine-310.gitlab.golden")),
    ).toEqual([]);
    expect(
      gitlabSchemaErrors(
        "cluster_image_scanning",
        readTestdataJson("trivy/cluster-image-scanning-15.0.7-from-trivy-alpine-310.json"),
      ),
    ).toEqual([]);
  });

  it.each([
    ["a start time with Z", (r: Loose) => (r.scan.start_time = "2024-06-03T10:15:30Z")],
    ["a start time with milliseconds", (r: Loose) => (r.scan.end_time = "2024-06-03T10:16:02.999")],
    ["no scanner", (r: Loose) => delete r.scan.scanner],
    ["no analyzer version", (r: Loose) => delete r.scan.analyzer.version],
    ["the cluster scan type", (r: Loose) => (r.scan.type = "cluster_image_scanning")],
    ["severity Negligible", (r: Loose) => (r.vulnerabilities[0].severity = "Negligible")],
    ["no identifiers", (r: Loose) => (r.vulnerabilities[0].identifiers = [])],
    ["an empty operating system", (r: Loose) => (r.vulnerabilities[0].location.operating_system = "")],
    ["a name over 255 characters", (r: Loose) => (r.vulnerabilities[0].name = "x".repeat(256))],
    [
      "a description over 1 MiB characters",
      (r: Loose) => (r.vulnerabilities[0].description = "x".repeat(1_048_577)),
    ],
    ["a link that is not a URL", (r: Loose) => (r.vulnerabilities[0].links[0].url = "CVE-2019-10744")],
    [
      "a CVSS v4 vector",
      (r: Loose) =>
        (r.vulnerabilities[0].cvss_vectors[0].vector =
          "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"),
    ],
    ["a detail without name", (r: Loose) => delete r.vulnerabilities[0].details.fixed_version.name],
    ["a detail of unknown type", (r: Loose) => (r.vulnerabilities[0].details.fixed_version.type = "string")],
  ])("rejects a container scanning report with %s", (_, breakIt) => {
    const broken = clone(good());
    breakIt(broken);
    expect(gitlabSchemaErrors("container_scanning", broken)).not.toEqual([]);
  });

  it("rejects a cluster report whose vulnerability has no kubernetes_resource", () => {
    const broken = clone(goodCluster());
    delete broken.vulnerabilities[0].location.kubernetes_resource;
    expect(gitlabSchemaErrors("cluster_image_scanning", broken)).not.toEqual([]);
  });
});
