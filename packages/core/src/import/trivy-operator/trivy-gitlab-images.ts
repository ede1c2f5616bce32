import { compareIssues, type LocatedIssue } from "../../model/issue.js";
import type {
  GitlabClusterImage,
  GitlabClusterMatch,
  GitlabImportedFact,
  GitlabImportedFrom,
} from "../../report/gitlab/gitlab-report-input.js";
import { TRIVY_OPERATOR_SOURCE, type TrivyImageReport, type TrivyMatch } from "./trivy-report.js";

/** Options of {@link trivyGitlabImages}. */
export interface TrivyGitlabImagesOptions {
  /** GitLab's id of the cluster, written in every `kubernetes_resource`. */
  readonly clusterId?: string;
  /** GitLab's id of the agent, written in every `kubernetes_resource`. */
  readonly agentId?: string;
}

/**
 * Converted Trivy reports as input of `renderGitlabClusterImageScanning` (`images`): one image
 * per report, its workload as `kubernetes`, and each match marked `importedFrom` so the report
 * says Trivy found it and writes no layer or matching details Vigil does not have.
 *
 * The image is given as `reference` and `repository` only: Trivy's digest may be an index
 * digest, not the manifest digest GitLab's `details.image_digest` means, so it is written as a
 * fact of `imported_from` instead. Reports about cluster components (a ClusterVulnerabilityReport's
 * subject has no namespace) are left out with a warning: GitLab requires a namespace.
 */
export function trivyGitlabImages(
  reports: readonly TrivyImageReport[],
  options: TrivyGitlabImagesOptions = {},
): { readonly images: readonly GitlabClusterImage[]; readonly issues: readonly LocatedIssue[] } {
  const images: GitlabClusterImage[] = [];
  const issues: LocatedIssue[] = [];
  for (const report of reports) {
    const { workload } = report;
    const source = describeReport(report);
    if (!workload.namespace) {
      issues.push({
        severity: "warning",
        code: "trivy-gitlab-no-namespace",
        message:
          `${source}: ${workload.kind} ${workload.name} has no namespace (a cluster component), and GitLab's ` +
          `kubernetes_resource requires one; its ${report.matches.length} vulnerabilities are left out of the GitLab report.`,
        source: TRIVY_OPERATOR_SOURCE,
        location: { image: report.image.reference, path: reportPath(report) },
      });
      continue;
    }
    images.push({
      image: { reference: report.image.reference, repository: report.image.repository },
      inventory: report.os ? { os: report.os } : {},
      kubernetes: {
        namespace: workload.namespace,
        kind: workload.kind,
        name: workload.name,
        containerName: report.containerName,
        ...(options.clusterId ? { clusterId: options.clusterId } : {}),
        ...(options.agentId ? { agentId: options.agentId } : {}),
      },
      matches: report.matches.map(
        (match): GitlabClusterMatch => ({ ...match, importedFrom: importedFrom(report, source, match) }),
      ),
    });
  }
  return { images, issues: issues.sort(compareIssues) };
}

function importedFrom(report: TrivyImageReport, source: string, match: TrivyMatch): GitlabImportedFrom {
  const scanner = report.scanner;
  const t = match.trivy;
  const facts: GitlabImportedFact[] = [
    { key: "scanner", name: "Scanner", value: scanner ? `${scanner.name} ${scanner.version}`.trim() : "" },
    { key: "report_updated", name: "Report updated", value: report.updatedAt ?? "" },
    { key: "image_digest", name: "Image digest as the report records it", value: report.image.digest ?? "" },
    { key: "target", name: "Target", value: t.target ?? "" },
    { key: "class", name: "Class", value: t.class ?? "" },
    { key: "package_type", name: "Package type", value: t.packageType ?? "" },
    { key: "published", name: "Published", value: t.publishedDate ?? "" },
    { key: "last_modified", name: "Last modified", value: t.lastModifiedDate ?? "" },
  ];
  return {
    tool: report.report.labels === "starboard" ? "Starboard" : "Trivy Operator",
    source,
    facts: facts.filter((f) => f.value !== ""),
  };
}

/** `VulnerabilityReport default/replicaset-nginx-6d4cf56db6-nginx`. */
function describeReport(report: TrivyImageReport): string {
  return `${report.report.kind} ${reportPath(report)}`;
}

function reportPath(report: TrivyImageReport): string {
  const { namespace, name } = report.report;
  return namespace ? `${namespace}/${name}` : name;
}
