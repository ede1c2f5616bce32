import type { LocatedIssue } from "../../model/issue.js";
import type { Match } from "../../model/match.js";
import type { OsInfo } from "../../model/os-info.js";
import type { WorkloadRef } from "../../model/running-container.js";

/**
 * The value Vigil writes where a {@link Match} field has no Trivy equivalent (`ecosystem`,
 * `comparator`, `foundBy`, `OsInfo.source`), and the `source` of every issue the import records.
 * A match carrying it was found by Trivy, not by Vigil's matcher.
 */
export const TRIVY_OPERATOR_SOURCE = "trivy-operator";

/** The API group and version of Trivy Operator's (and Starboard's) reports. */
export const TRIVY_REPORT_API_VERSION = "aquasecurity.github.io/v1alpha1";

/** `VulnerabilityReport` is namespaced (one per workload and container); `ClusterVulnerabilityReport` is cluster-scoped. */
export type TrivyReportKind = "VulnerabilityReport" | "ClusterVulnerabilityReport";

/** The Kubernetes object a converted report was read from. */
export interface TrivyReportRef {
  readonly kind: TrivyReportKind;
  /** The report's own namespace; absent for a ClusterVulnerabilityReport. */
  readonly namespace?: string;
  readonly name: string;
  readonly uid?: string;
  /** Whose labels named the workload: Trivy Operator's (`trivy-operator.*`) or its predecessor Starboard's (`starboard.*`). */
  readonly labels: "trivy-operator" | "starboard";
}

/** The image a report is about, from `report.registry` and `report.artifact`. */
export interface TrivyImageRef {
  /**
   * Normalized the way Vigil writes references (`docker.io/library/nginx:1.16`, Trivy's
   * `index.docker.io` becomes `docker.io`), with `@digest` when the report has one.
   */
  readonly reference: string;
  /** Registry and repository without tag or digest: `docker.io/library/nginx`. */
  readonly repository: string;
  readonly tag?: string;
  /**
   * `report.artifact.digest`: the repo digest Trivy Operator took from the container's
   * `imageID`, so for a multi-platform image it may be the index digest, not the manifest's.
   */
  readonly digest?: string;
}

/** `report.scanner`: the Trivy build that produced the report. */
export interface TrivyScanner {
  readonly name: string;
  readonly vendor: string;
  readonly version: string;
}

/** How the `package.type` of an imported match was decided (the first rule that applied). */
export type TrivyPackageTypeEvidence =
  /** The type of `packagePURL`. */
  | "purl"
  /** Trivy's `packageType` (`debian`, `gobinary`, `jar` ...). */
  | "package-type"
  /** `class: os-pkgs`, with the report's `os.family`. */
  | "class"
  /** A `target` that names the report's OS (`nginx:1.16 (debian 10.3)`), as Trivy writes OS targets. */
  | "target"
  /** A package named like a Go module path (`github.com/x/y`, `k8s.io/api`), the way Trivy names Go modules. */
  | "go-module-name"
  /** An older report with no `class`, whose `target` is absent or the image itself: the report's `os.family`. */
  | "os-family"
  /**
   * Nothing said: `package.type` holds `TRIVY_PLACEHOLDER_PACKAGE_TYPE` only because the
   * type is required, and `package.purl` is `pkg:generic/…`. An issue says so.
   */
  | "placeholder";

/**
 * What Trivy says about a vulnerability beyond {@link Match}: kept as Trivy wrote it so a
 * report can show where a finding came from. Empty strings are left out.
 */
export interface TrivyVulnerabilityFacts {
  /** `target`: what Trivy scanned, `nginx:1.16 (debian 10.3)` for OS packages or a file for language packages. */
  readonly target?: string;
  /** `class`: `os-pkgs` or `lang-pkgs`. */
  readonly class?: string;
  /** `packageType` as Trivy names it (`debian`, `gobinary`, `jar` ...). */
  readonly packageType?: string;
  /** `packagePath`: the file the package was found in (language packages). */
  readonly packagePath?: string;
  /** `packagePURL`, when Trivy wrote one. */
  readonly packagePurl?: string;
  readonly primaryLink?: string;
  readonly publishedDate?: string;
  readonly lastModifiedDate?: string;
  /** `cvsssource`: whose CVSS Trivy preferred (`nvd`, `redhat` ...). */
  readonly cvssSource?: string;
  readonly packageTypeEvidence: TrivyPackageTypeEvidence;
}

/** A {@link Match} read from a Trivy report, with Trivy's own facts. */
export interface TrivyMatch extends Match {
  readonly trivy: TrivyVulnerabilityFacts;
}

/**
 * One report converted: one workload, one container, one image, and every vulnerability
 * Trivy found in it as a {@link TrivyMatch}.
 */
export interface TrivyImageReport {
  readonly report: TrivyReportRef;
  /**
   * The scanned workload as the report's labels name it. Trivy Operator names the ReplicaSet
   * of a Deployment and the Job of a CronJob, not the owner Vigil's discovery reports; `namespace`
   * is empty for the cluster components a ClusterVulnerabilityReport covers.
   */
  readonly workload: WorkloadRef;
  readonly containerName: string;
  readonly image: TrivyImageRef;
  /** From `report.os`: `id` is Trivy's `family`, `versionId` its `name`, `source` {@link TRIVY_OPERATOR_SOURCE}. */
  readonly os?: OsInfo;
  /** `report.os.eosl`: the OS release is past its end of service life. */
  readonly osEndOfLife?: boolean;
  readonly scanner?: TrivyScanner;
  /** `report.updateTimestamp`, as written. */
  readonly updatedAt?: string;
  /** Sorted by package name, version, id and path. */
  readonly matches: readonly TrivyMatch[];
}

/** The result of a conversion: every report that could be read, and what was wrong with the rest. */
export interface TrivyConversion {
  /** Sorted by workload (namespace, kind, name), container, then report. */
  readonly reports: readonly TrivyImageReport[];
  /** Sorted with `compareIssues`. */
  readonly issues: readonly LocatedIssue[];
}
