import type { ResolvedImage } from "../../model/image.js";
import type { ImageInventory } from "../../model/image-inventory.js";
import type { Match } from "../../model/match.js";

/**
 * The Kubernetes workload whose container runs a scanned image: GitLab's
 * `location.kubernetes_resource` in a cluster image scanning report.
 */
export interface GitlabKubernetesResource {
  readonly namespace: string;
  /** Workload kind as the API names it: `Deployment`, `DaemonSet`, `CronJob`, `Pod` ... */
  readonly kind: string;
  readonly name: string;
  readonly containerName: string;
  /** GitLab's id of the cluster (certificate-based cluster integration), when known. */
  readonly clusterId?: string;
  /** GitLab's id of the agent that ran the scan, when known. GitLab adds it to its own fingerprint. */
  readonly agentId?: string;
}

/**
 * What the GitLab writer reads of an image. A {@link ResolvedImage} is one; an image known only
 * from another scanner's report (a Trivy Operator VulnerabilityReport) gives just these.
 */
export interface GitlabImage {
  /** Gives `location.image` (see `gitlabImageName`). */
  readonly reference: string;
  /** Repository without tag or digest: the scope of a container scanning finding's identity. */
  readonly repository?: string;
  /** Written as `details.image_digest` when known. */
  readonly manifestDigest?: string;
}

/** What the GitLab writer reads of an inventory: the OS, for `location.operating_system`. */
export type GitlabImageOs = Pick<ImageInventory, "os">;

/** One fact of an imported finding, written under `details.imported_from`. */
export interface GitlabImportedFact {
  /** Stable snake_case key, e.g. `target`. */
  readonly key: string;
  /** The label GitLab shows, e.g. `Target`. */
  readonly name: string;
  readonly value: string;
}

/**
 * Where a finding came from when another tool found it (an imported Trivy Operator report).
 * Vigil did not match it, so the details that explain Vigil's matching (matched via, affected
 * range, matching advisories) are left out and `details.imported_from` says who found it instead.
 */
export interface GitlabImportedFrom {
  /** The tool, e.g. `Trivy Operator`. */
  readonly tool: string;
  /** What it was read from, e.g. `VulnerabilityReport default/replicaset-nginx-6d4cf56db6-nginx`. */
  readonly source: string;
  /** Further facts as the tool gave them, in order; empty values are left out. */
  readonly facts?: readonly GitlabImportedFact[];
}

/** A message for the person who started the scan (`scan.messages`). */
export interface GitlabScanMessage {
  /** `info` for normal behaviour, `warn` for a partial or recoverable problem, `fatal` when the scan stopped. */
  readonly level: "info" | "warn" | "fatal";
  readonly value: string;
}

/** When the scan ran and how it ended. */
export interface GitlabScanInfo {
  readonly startTime: Date;
  readonly endTime: Date;
  /**
   * `failure` for a scan that did not complete. Its vulnerabilities are still written, but a
   * consumer must not treat the absence of a finding as resolved (ARCHITECTURE.md section 5).
   */
  readonly status: "success" | "failure";
  readonly messages?: readonly GitlabScanMessage[];
}

/** The Vigil build that produced the report. */
export interface GitlabToolInfo {
  readonly version: string;
}

/** What every GitLab report needs besides the findings. */
export interface GitlabReportMeta {
  readonly scan: GitlabScanInfo;
  readonly tool: GitlabToolInfo;
}

/** One scanned image and what matched in it. */
export interface GitlabScannedImage {
  /** Gives `location.image` (reference) and the manifest digest (a detail of each finding). */
  readonly image: ResolvedImage;
  /** Gives `location.operating_system`. */
  readonly inventory: ImageInventory;
  readonly matches: readonly Match[];
}

/** Input of {@link renderGitlabContainerScanning}: one image. */
export interface GitlabContainerScanningInput extends GitlabScannedImage, GitlabReportMeta {}

/** A match that says which workload it was found in; it wins over its image's `kubernetes`. */
export interface GitlabClusterMatch extends Match {
  readonly kubernetes?: GitlabKubernetesResource;
  /** Set when another tool found this match (see {@link GitlabImportedFrom}). */
  readonly importedFrom?: GitlabImportedFrom;
}

/**
 * One image of a cluster report. Images are scanned once per digest and shared by every
 * workload that runs them (ARCHITECTURE.md section 6), so `kubernetes` may name several
 * workloads: each match without its own `kubernetes` is reported once for each of them.
 */
export interface GitlabClusterImage {
  /** A {@link ResolvedImage} for images Vigil scanned; imported reports give less. */
  readonly image: GitlabImage;
  /** An {@link ImageInventory} for images Vigil scanned; only its `os` is read. */
  readonly inventory: GitlabImageOs;
  readonly matches: readonly GitlabClusterMatch[];
  readonly kubernetes?: GitlabKubernetesResource | readonly GitlabKubernetesResource[];
}

/**
 * Input of {@link renderGitlabClusterImageScanning}: either one image (the same shape as the
 * container scanning input, plus `kubernetes`) or every image of a cluster under `images`.
 * Every match must end up with a workload, its own or its image's.
 */
export type GitlabClusterImageScanningInput = GitlabReportMeta &
  (GitlabClusterImage | { readonly images: readonly GitlabClusterImage[] });

/** Input a GitLab report cannot be written from (an empty version, an invalid date, a match without workload). */
export class GitlabReportInputError extends Error {
  constructor(message: string, options?: { readonly cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }
}
