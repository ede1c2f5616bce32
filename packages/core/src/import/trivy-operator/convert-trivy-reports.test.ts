import AjvModule from "ajv";
import addFormatsModule from "ajv-formats";
import { describe, expect, it } from "vitest";
import type { LocatedIssue } from "../../model/issue.js";
import { convertTrivyReports } from "./convert-trivy-reports.js";
import { REAL_EXAMPLES, readYamlObjects, SYNTHETIC_CURRENT } from "./test-support/trivy-testdata.js";
import { TRIVY_PLACEHOLDER_PACKAGE_TYPE } from "./trivy-package.js";
import type { TrivyImageReport } from "./trivy-report.js";

// ajv and ajv-formats are CommonJS: under NodeNext the default import is `module.exports`.
const Ajv = (AjvModule as unknown as { default: typeof AjvModule.default }).default;
const addFormats = (addFormatsModule as unknown as { default: typeof addFormatsModule.default }).default;

/** The one report converted from a file that holds one object. */
function only(path: string): { report: TrivyImageReport; issues: readonly LocatedIssue[] } {
  const { reports, issues } = convertTrivyReports(readYamlObjects(path));
  expect(reports).toHaveLength(1);
  return { report: reports[0]!, issues };
}

/** `[id, package, installed, fixed]` of every match, in output order. */
const rows = (report: TrivyImageReport) =>
  report.matches.map((m) => [m.id, m.package.name, m.package.version, m.fixedVersion ?? ""]);
const codes = (issues: readonly LocatedIssue[]) =>
  issues.map((i) => `${i.severity} ${i.code} ${i.location.record ?? ""}`);

describe("convertTrivyReports on the real examples", () => {
  it("Trivy Operator's documented VulnerabilityReport: the ReplicaSet's nginx container, two Debian packages", () => {
    const { report, issues } = only(REAL_EXAMPLES[0]);
    expect(report.report).toEqual({
      kind: "VulnerabilityReport",
      namespace: "default",
      name: "replicaset-nginx-6d4cf56db6-nginx",
      uid: "8aa1a7cb-a319-4b93-850d-5a67827dfbbf",
      labels: "trivy-operator",
    });
    expect(report.workload).toEqual({
      kind: "ReplicaSet",
      name: "nginx-6d4cf56db6",
      namespace: "default",
      apiVersion: "apps/v1",
    });
    expect(report.containerName).toBe("nginx");
    expect(report.image).toEqual({
      reference: "docker.io/library/nginx:1.16",
      repository: "docker.io/library/nginx",
      tag: "1.16",
    });
    expect(report.os).toEqual({ id: "debian", versionId: "10.3", source: "trivy-operator" });
    expect(report.scanner).toEqual({ name: "Trivy", vendor: "Aqua Security", version: "0.72.0" });
    expect(rows(report)).toEqual([
      ["CVE-2019-20367", "libbsd0", "0.9.1-2", "0.9.1-2+deb10u1"],
      ["CVE-2018-25009", "libwebp6", "0.6.1-2", ""],
    ]);
    const [libbsd, libwebp] = report.matches;
    expect(libbsd!.status).toBe("fixed");
    expect(libwebp!.status).toBe("affected");
    expect(libbsd!.summary).toBeUndefined(); // title: ''
    expect(libwebp!.summary).toBe("libwebp: out-of-bounds read in WebPMuxCreateInternal");
    expect(libbsd!.severity).toEqual({ level: "critical", source: "database", score: 9.1, raw: "CRITICAL" });
    expect(libbsd!.references).toEqual(["https://avd.aquasec.com/nvd/cve-2019-20367"]);
    // No class or packageType, the target is the image itself: the report's OS decides.
    expect(libbsd!.package).toMatchObject({
      type: "deb",
      purl: "pkg:deb/debian/libbsd0@0.9.1-2?distro=debian-10.3",
    });
    expect(libbsd!.trivy.packageTypeEvidence).toBe("os-family");
    expect(codes(issues)).toEqual(["warning trivy-missing-digest report.artifact.digest"]);
    expect(issues[0]!.location).toEqual({
      image: "docker.io/library/nginx:1.16",
      path: "default/replicaset-nginx-6d4cf56db6-nginx",
      record: "report.artifact.digest",
    });
    expect(issues[0]!.message).toMatch(/^VulnerabilityReport default\/replicaset-nginx-6d4cf56db6-nginx: /);
  });

  it("the documented example with cvss, description and links (repaired YAML)", () => {
    const { report, issues } = only(REAL_EXAMPLES[1]);
    expect(report.workload).toEqual({
      kind: "ReplicaSet",
      name: "nginx-6d4cf56db6",
      namespace: "default",
      apiVersion: "apps/v1",
    });
    expect(rows(report)).toEqual([
      ["CVE-2020-27350", "apt", "1.8.2", "1.8.2.2"],
      ["CVE-2020-3810", "apt", "1.8.2", "1.8.2.1"],
    ]);
    const [first, second] = report.matches;
    // Both vendors give the same v3 vector; NVD's is taken first.
    expect(first!.severity).toEqual({
      level: "medium",
      source: "database",
      score: 5.7,
      vector: "CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:C/C:L/I:L/A:L",
      raw: "MEDIUM",
    });
    expect(first!.description).toMatch(/^APT had several integer overflows/);
    expect(first!.references).toHaveLength(9);
    expect(first!.references[0]).toBe("https://avd.aquasec.com/nvd/cve-2020-27350");
    expect(first!.trivy).toMatchObject({ target: "nginx:1.16 (debian 10.3)", packageTypeEvidence: "target" });
    expect(second!.severity.vector).toBe("CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H");
    // The upstream typo is kept: a reference is data, not Vigil's to fix.
    expect(second!.references).toContain('https://bugs.launchpad.net/bugs/1878177",');
    expect(codes(issues)).toEqual([
      "warning trivy-missing-digest report.artifact.digest",
      "warning trivy-summary-mismatch report.summary",
    ]);
  });

  it("the ClusterVulnerabilityReport of the cluster's components: no namespace, Go modules", () => {
    const { report, issues } = only(REAL_EXAMPLES[2]);
    expect(report.report).toEqual({
      kind: "ClusterVulnerabilityReport",
      name: "clustersbomreport-584b5cdcd5-k8s-cluster",
      uid: "d7124d11-e744-4e10-97e3-dd03f84fd0b4",
      labels: "trivy-operator",
    });
    expect(report.workload).toEqual({
      kind: "ClusterSbomReport",
      name: "584b5cdcd5",
      namespace: "",
      apiVersion: "aquasecurity.github.io/v1alpha1",
    });
    expect(report.containerName).toBe("k8s-cluster");
    expect(report.image).toEqual({
      reference: "k8s.io/kubernetes:1.21.1",
      repository: "k8s.io/kubernetes",
      tag: "1.21.1",
    });
    expect(report.os).toEqual({ id: "ubuntu", versionId: "21.04", source: "trivy-operator" });
    expect(report.osEndOfLife).toBe(true);
    expect(report.updatedAt).toBe("2023-11-30T08:29:42Z");
    expect(rows(report)).toEqual([
      ["CVE-2021-32760", "github.com/containerd/containerd", "1.5.2", "1.4.8, 1.5.4"],
      ["CVE-2021-41103", "github.com/containerd/containerd", "1.5.2", "1.4.11, 1.5.7"],
      ["CVE-2021-43816", "github.com/containerd/containerd", "1.5.2", "1.5.9"],
      ["CVE-2022-23471", "github.com/containerd/containerd", "1.5.2", "1.5.16, 1.6.12"],
      ["CVE-2022-23648", "github.com/containerd/containerd", "1.5.2", "1.4.13, 1.5.10, 1.6.1"],
      ["CVE-2022-31030", "github.com/containerd/containerd", "1.5.2", "1.5.13, 1.6.6"],
      ["CVE-2023-25153", "github.com/containerd/containerd", "1.5.2", "1.5.18, 1.6.18"],
      ["CVE-2023-25173", "github.com/containerd/containerd", "1.5.2", "1.5.18, 1.6.18"],
      ["GHSA-5j5w-g665-5m35", "github.com/containerd/containerd", "1.5.2", "1.4.12, 1.5.8"],
      ["CVE-2022-3162", "k8s.io/apiserver", "1.21.1", "1.22.16, 1.23.14, 1.24.8, 1.25.4"],
      ["CVE-2023-2727", "k8s.io/apiserver", "1.21.1", "1.24.15, 1.25.11, 1.26.6, 1.27.3"],
      ["CVE-2023-2728", "k8s.io/apiserver", "1.21.1", "1.24.15, 1.25.11, 1.26.6, 1.27.3"],
      ["CVE-2021-25741", "k8s.io/kubelet", "1.21.1", "1.19.16, 1.20.11, 1.21.5, 1.22.1"],
      ["CVE-2021-25749", "k8s.io/kubelet", "1.21.1", "1.22.14, 1.23.11, 1.24.5"],
      ["CVE-2023-2431", "k8s.io/kubelet", "1.21.1", "1.24.14, 1.25.10, 1.26.5, 1.27.2"],
    ]);
    // The node's OS is Ubuntu, but these are Go modules: the name shape wins over the OS.
    expect(new Set(report.matches.map((m) => `${m.package.type} ${m.trivy.packageTypeEvidence}`))).toEqual(
      new Set(["golang go-module-name"]),
    );
    // Empty publishedDate/lastModifiedDate (the GHSA entry) are left out, not kept as "".
    expect(report.matches.find((m) => m.id === "GHSA-5j5w-g665-5m35")!.trivy.publishedDate).toBeUndefined();
    expect(codes(issues)).toEqual(["warning trivy-missing-digest report.artifact.digest"]);
  });

  it("the envtest fixture a real Trivy 0.35.0 wrote: coredns in kube-system", () => {
    const { report, issues } = only(REAL_EXAMPLES[3]);
    expect(report.workload).toEqual({
      kind: "ReplicaSet",
      name: "coredns-558bd4d5db",
      namespace: "kube-system",
      apiVersion: "apps/v1",
    });
    expect(report.containerName).toBe("coredns");
    expect(report.image).toEqual({
      reference: "k8s.gcr.io/coredns/coredns:v1.8.0",
      repository: "k8s.gcr.io/coredns/coredns",
      tag: "v1.8.0",
    });
    expect(report.os).toBeUndefined();
    expect(rows(report)).toEqual([["CVE-2021-3121", "github.com/gogo/protobuf", "v1.3.1", "1.3.2"]]);
    expect(report.matches[0]!.summary).toBe(
      "gogo/protobuf: plugin/unmarshal/unmarshal.go lacks certain index validation",
    );
    // The fixture keeps one of the 27 vulnerabilities its summary counts.
    expect(codes(issues)).toEqual([
      "warning trivy-missing-digest report.artifact.digest",
      "warning trivy-summary-mismatch report.summary",
    ]);
  });

  it("Starboard's example: starboard.* labels, no OS, so the package type is a marked placeholder", () => {
    const { report, issues } = only(REAL_EXAMPLES[4]);
    expect(report.report.labels).toBe("starboard");
    expect(report.workload).toEqual({
      kind: "ReplicaSet",
      name: "nginx-6d4cf56db6",
      namespace: "default",
      apiVersion: "apps/v1",
    });
    expect(report.containerName).toBe("nginx");
    expect(report.scanner?.version).toBe("0.16.0");
    expect(rows(report)).toEqual([
      ["CVE-2019-20367", "libbsd0", "0.9.1-2", "0.9.1-2+deb10u1"],
      ["CVE-2018-25009", "libwebp6", "0.6.1-2", ""],
    ]);
    for (const match of report.matches) {
      expect(match.package.type).toBe(TRIVY_PLACEHOLDER_PACKAGE_TYPE);
      expect(match.trivy.packageTypeEvidence).toBe("placeholder");
      expect(match.package.purl).toMatch(/^pkg:generic\//);
    }
    expect(codes(issues)).toEqual([
      "warning trivy-missing-digest report.artifact.digest",
      "info trivy-package-type-unknown report.vulnerabilities",
    ]);
  });

  it("marks every field Trivy has no equivalent for, and invents no layer", () => {
    const match = only(REAL_EXAMPLES[0]).report.matches[0]!;
    expect(match).toMatchObject({
      aliases: [],
      advisoryIds: ["CVE-2019-20367"],
      matchedVia: "binary",
      matchedName: "libbsd0",
      matchedVersion: "0.9.1-2",
      ecosystem: "trivy-operator",
      comparator: "trivy-operator",
      range: { kind: "versions", version: "0.9.1-2" },
    });
    expect(match.package.foundBy).toBe("trivy-operator");
    expect(match.package.location).toEqual({ layerDigest: "", layerIndex: -1, path: "" });
    expect(match.kev).toBeUndefined();
    expect(match.epss).toBeUndefined();
  });
});

describe("convertTrivyReports on reports shaped like a current Trivy Operator's (synthetic)", () => {
  const { reports, issues } = convertTrivyReports(readYamlObjects(SYNTHETIC_CURRENT));

  it("validate against the CRD's schema, as does the ClusterVulnerabilityReport example", () => {
    const schemaOf = (file: string) =>
      (readYamlObjects(file)[0] as { spec: { versions: { schema: { openAPIV3Schema: object } }[] } }).spec
        .versions[0]!.schema.openAPIV3Schema;
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    const validate = ajv.compile(schemaOf("trivy-operator/aquasecurity.github.io_vulnerabilityreports.yaml"));
    for (const object of readYamlObjects(SYNTHETIC_CURRENT))
      expect(validate(object) ? [] : validate.errors).toEqual([]);
    const validateCluster = ajv.compile(
      schemaOf("trivy-operator/aquasecurity.github.io_clustervulnerabilityreports.yaml"),
    );
    const example = readYamlObjects(REAL_EXAMPLES[2])[0];
    expect(validateCluster(example) ? [] : validateCluster.errors).toEqual([]);
  });

  it("gives one report per workload and container, sorted by namespace", () => {
    expect(
      reports.map((r) => [r.workload.namespace, r.workload.kind, r.workload.name, r.containerName]),
    ).toEqual([
      ["batch", "CronJob", "nightly-report", "report"],
      ["kube-system", "DaemonSet", "log-shipper", "shipper"],
      ["shop", "ReplicaSet", "web-7d9f8c6b5", "app"],
    ]);
    expect(reports.map((r) => r.image.reference)).toEqual([
      `docker.io/library/alpine:3.19.1@sha256:${"b".repeat(64)}`,
      `ghcr.io/example/shipper:2.0@sha256:${"c".repeat(64)}`,
      `registry.example.com/shop/web:1.8.0@sha256:${"a".repeat(64)}`,
    ]);
    expect(reports[1]!.matches).toEqual([]);
    expect(codes(issues)).toEqual(["info trivy-no-vulnerabilities report.vulnerabilities"]);
  });

  it("reads package type, purl, path and CVSS as Trivy gives them", () => {
    const web = reports[2]!;
    expect(rows(web)).toEqual([
      ["CVE-2024-2961", "libc6", "2.36-9+deb12u4", "2.36-9+deb12u7"],
      ["CVE-2021-44228", "org.apache.logging.log4j:log4j-core", "2.14.1", "2.15.0, 2.3.1, 2.12.2"],
      ["CVE-2023-45853", "zlib1g", "1:1.2.13.dfsg-1", ""],
    ]);
    const [libc, log4j, zlib] = web.matches;
    // cvsssource is redhat: Red Hat's vector, matching Trivy's score.
    expect(libc!.severity).toEqual({
      level: "high",
      source: "database",
      score: 8.8,
      vector: "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
      raw: "HIGH",
    });
    expect(libc!.package).toMatchObject({
      type: "deb",
      purl: "pkg:deb/debian/libc6@2.36-9+deb12u4?distro=debian-12.5",
    });
    expect(libc!.trivy).toEqual({
      target: "registry.example.com/shop/web:1.8.0 (debian 12.5)",
      class: "os-pkgs",
      packageType: "debian",
      primaryLink: "https://avd.aquasec.com/nvd/cve-2024-2961",
      publishedDate: "2024-04-17T18:15:15Z",
      lastModifiedDate: "2024-05-04T13:15:00Z",
      cvssSource: "redhat",
      packageTypeEvidence: "package-type",
    });
    expect(log4j!.package).toMatchObject({
      type: "maven",
      purl: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
      location: { layerDigest: "", layerIndex: -1, path: "/app/lib/log4j-core-2.14.1.jar" },
    });
    expect(log4j!.trivy.packageTypeEvidence).toBe("purl");
    expect(log4j!.severity.vector).toBe("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H");
    expect(zlib!.status).toBe("affected");
    expect(zlib!.fixedVersion).toBeUndefined();

    const [net, libcrypto] = reports[0]!.matches;
    expect(net).toMatchObject({
      id: "CVE-2023-45288",
      package: { type: "golang", location: { path: "/usr/local/bin/reporter" } },
    });
    // Only a v4 vector, and no `score`: the vector's score stands in.
    expect(net!.severity).toEqual({
      level: "medium",
      source: "database",
      score: 6.9,
      vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:L/SC:N/SI:N/SA:N",
      raw: "MEDIUM",
    });
    expect(libcrypto!.package).toMatchObject({
      type: "apk",
      purl: "pkg:apk/alpine/libcrypto3@3.1.4-r2?distro=alpine-3.19.1",
    });
  });
});

/** A valid report to break on purpose. */
function report(
  overrides: { metadata?: object; report?: object; kind?: string; apiVersion?: string } = {},
): object {
  const base = readYamlObjects(SYNTHETIC_CURRENT)[0] as { metadata: object; report: object };
  return {
    apiVersion: overrides.apiVersion ?? "aquasecurity.github.io/v1alpha1",
    kind: overrides.kind ?? "VulnerabilityReport",
    metadata: { ...base.metadata, ...overrides.metadata },
    report: { ...base.report, ...overrides.report },
  };
}
const labels = {
  "trivy-operator.container.name": "app",
  "trivy-operator.resource.kind": "ReplicaSet",
  "trivy-operator.resource.name": "web-7d9f8c6b5",
  "trivy-operator.resource.namespace": "shop",
};
const vuln = (fields: object) => ({
  vulnerabilityID: "CVE-2024-0001",
  resource: "libfoo",
  installedVersion: "1.0",
  fixedVersion: "",
  severity: "LOW",
  title: "t",
  publishedDate: "",
  lastModifiedDate: "",
  ...fields,
});

describe("convertTrivyReports on bad input", () => {
  // npm run fuzz, seed 915247984: a lone surrogate escaped in the JSON of a version (and no
  // packagePURL) threw a URIError from packageurl-js instead of converting
  it("builds a purl from a name or version holding a lone surrogate, with U+FFFD in its place", () => {
    for (const fields of [
      { resource: "libfoo", installedVersion: "1.0\ud800" },
      { resource: "\udc00libfoo", installedVersion: "1.0" },
      { resource: "github.com/x/\ud800", installedVersion: "v1.0.0" },
    ]) {
      const { reports } = convertTrivyReports([report({ report: { vulnerabilities: [vuln(fields)] } })]);
      const purl = reports[0]!.matches[0]!.package.purl;
      expect(purl).toContain("%EF%BF%BD");
    }
  });

  it("records one located issue per problem, naming the report and the field, and converts the rest", () => {
    const objects: unknown[] = [
      "not an object",
      ...readYamlObjects("trivy-operator/e2e-image-mode-04-assert.yaml"), // ExposedSecretReport
      ...readYamlObjects("trivy-operator/e2e-image-mode-00-assert.yaml"), // no labels
      report({
        metadata: { name: "no-container", labels: { ...labels, "trivy-operator.container.name": "" } },
      }),
      report({ apiVersion: "aquasecurity.github.io/v1beta9", metadata: { name: "other-version" } }),
      report({ metadata: { name: "no-artifact" }, report: { artifact: { tag: "1.0" } } }),
      {
        apiVersion: "aquasecurity.github.io/v1alpha1",
        kind: "VulnerabilityReport",
        metadata: { name: "no-report", namespace: "shop", labels },
      },
      report({
        metadata: { name: "bad-entries" },
        report: {
          artifact: { repository: "shop/web", tag: 1.1, digest: "sha256:nothex" },
          summary: { criticalCount: 0, highCount: 0, mediumCount: 0, lowCount: 1, unknownCount: 0 },
          vulnerabilities: [
            vuln({ severity: "MODERATE" }),
            vuln({ vulnerabilityID: "", resource: "libbar" }),
            "not a map",
            vuln({ vulnerabilityID: "CVE-2024-0002", severity: undefined }),
            vuln({ vulnerabilityID: "CVE-2024-0003", installedVersion: undefined, score: "high" }),
          ],
        },
      }),
      report({
        metadata: { name: "empty", labels: { ...labels, "trivy-operator.container.name": "sidecar" } },
        report: { vulnerabilities: [] },
      }),
      report({
        metadata: { name: "no-list", labels: { ...labels, "trivy-operator.container.name": "init" } },
        report: { vulnerabilities: undefined },
      }),
      report({
        metadata: {
          name: "ns-from-metadata",
          labels: {
            ...labels,
            "trivy-operator.resource.namespace": undefined,
            "trivy-operator.container.name": "proxy",
          },
        },
      }),
    ];
    const { reports, issues } = convertTrivyReports(objects);
    expect(reports.map((r) => `${r.report.name} ${r.containerName} ${r.matches.length}`)).toEqual([
      "bad-entries app 3",
      "no-list init 0",
      "ns-from-metadata proxy 3",
      "empty sidecar 0",
    ]);
    expect(issues.map((i) => [i.location.path, i.location.record ?? "", i.severity, i.code])).toEqual([
      ["item 0", "", "error", "trivy-not-a-report"],
      ["pod-my-pod-app", "kind", "warning", "trivy-not-a-vulnerability-report"],
      ["pod-my-pod-app", 'metadata.labels["trivy-operator.resource.kind"]', "error", "trivy-missing-label"],
      ["shop/bad-entries", "report.artifact.digest", "warning", "trivy-invalid-digest"],
      ["shop/bad-entries", "report.artifact.digest", "warning", "trivy-missing-digest"],
      ["shop/bad-entries", "report.artifact.tag", "warning", "trivy-number-for-string"],
      ["shop/bad-entries", "report.summary", "warning", "trivy-summary-mismatch"],
      ["shop/bad-entries", "report.vulnerabilities[0].severity", "warning", "trivy-unknown-severity"],
      ["shop/bad-entries", "report.vulnerabilities[1].vulnerabilityID", "error", "trivy-missing-field"],
      ["shop/bad-entries", "report.vulnerabilities[2]", "error", "trivy-invalid-vulnerability"],
      ["shop/bad-entries", "report.vulnerabilities[3].severity", "warning", "trivy-unknown-severity"],
      ["shop/bad-entries", "report.vulnerabilities[4].installedVersion", "warning", "trivy-missing-field"],
      ["shop/bad-entries", "report.vulnerabilities[4].score", "warning", "trivy-invalid-field"],
      // Empty, while the summary counts three.
      ["shop/empty", "report.summary", "warning", "trivy-summary-mismatch"],
      ["shop/empty", "report.vulnerabilities", "info", "trivy-no-vulnerabilities"],
      ["shop/no-artifact", "report.artifact.repository", "error", "trivy-missing-field"],
      [
        "shop/no-container",
        'metadata.labels["trivy-operator.container.name"]',
        "error",
        "trivy-missing-label",
      ],
      ["shop/no-list", "report.vulnerabilities", "warning", "trivy-missing-vulnerabilities"],
      ["shop/no-report", "report", "error", "trivy-missing-field"],
      [
        "shop/ns-from-metadata",
        'metadata.labels["trivy-operator.resource.namespace"]',
        "warning",
        "trivy-missing-label",
      ],
      ["shop/other-version", "apiVersion", "warning", "trivy-not-a-vulnerability-report"],
    ]);
    const message = (record: string) => issues.find((i) => i.location.record === record)!.message;
    expect(message("report.vulnerabilities[0].severity")).toBe(
      'VulnerabilityReport shop/bad-entries: CVE-2024-0001 in libfoo has severity "MODERATE", not one of CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN; reported as unknown.',
    );
    expect(message('metadata.labels["trivy-operator.resource.kind"]')).toBe(
      "VulnerabilityReport pod-my-pod-app: labels trivy-operator.resource.kind, trivy-operator.resource.name, " +
        "trivy-operator.container.name are missing or empty, so the workload is unknown; skipped.",
    );
    expect(message("kind")).toBe(
      "ExposedSecretReport pod-my-pod-app: its kind is ExposedSecretReport (aquasecurity.github.io/v1alpha1), " +
        "not VulnerabilityReport or ClusterVulnerabilityReport (aquasecurity.github.io/v1alpha1); skipped.",
    );

    expect(message("report.summary")).toBe(
      "VulnerabilityReport shop/bad-entries: report.summary disagrees with report.vulnerabilities (lowCount 1 but 2 listed).",
    );
    const bad = reports.find((r) => r.report.name === "bad-entries")!;
    expect(bad.image).toEqual({
      reference: "registry.example.com/shop/web:1.1",
      repository: "registry.example.com/shop/web",
      tag: "1.1",
    });
    expect(bad.matches.map((m) => [m.id, m.package.version, m.severity.level, m.severity.raw ?? ""])).toEqual(
      [
        ["CVE-2024-0003", "", "low", "LOW"],
        ["CVE-2024-0001", "1.0", "unknown", "MODERATE"],
        ["CVE-2024-0002", "1.0", "unknown", ""],
      ],
    );
    expect(reports.find((r) => r.report.name === "ns-from-metadata")!.workload.namespace).toBe("shop");
  });

  it("gives the same output whatever the input order", () => {
    const objects = [...readYamlObjects(SYNTHETIC_CURRENT), ...REAL_EXAMPLES.flatMap(readYamlObjects)];
    expect(convertTrivyReports([...objects].reverse())).toEqual(convertTrivyReports(objects));
  });
});
