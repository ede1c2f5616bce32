import { SEVERITY_LEVELS } from "../../advisory/severity-level.js";
import { compareStringLists } from "../compare-string-lists.js";
import { gitlabImageName, imageRepositoryOf } from "./gitlab-location.js";
import type { GitlabScan, GitlabSecurityReport, GitlabTool } from "./gitlab-report-format.js";
import { GITLAB_REPORT_SCHEMA_VERSION } from "./gitlab-report-format.js";
import type {
  GitlabClusterImageScanningInput,
  GitlabContainerScanningInput,
  GitlabKubernetesResource,
  GitlabReportMeta,
} from "./gitlab-report-input.js";
import { GitlabReportInputError } from "./gitlab-report-input.js";
import { gitlabTimestamp } from "./gitlab-text.js";
import { type GitlabFinding, renderGitlabVulnerability } from "./gitlab-vulnerability.js";
import { assignVulnerabilityIds, type GitlabFindingIdentity } from "./gitlab-vulnerability-id.js";

type ReportType = GitlabScan["type"];

/**
 * A GitLab container scanning report (schema 15.0.7) for one image: one vulnerability per
 * match, sorted by severity (most severe first), then primary id, package and location.
 * Equal input gives byte-equal output; the string ends with a newline.
 */
export function renderGitlabContainerScanning(input: GitlabContainerScanningInput): string {
  const findings = input.matches.map((match) => ({ match, image: input.image, inventory: input.inventory }));
  return renderReport("container_scanning", input, findings);
}

/**
 * A GitLab cluster image scanning report (schema 15.0.7): one vulnerability per match and
 * workload, each with its `location.kubernetes_resource`. Throws
 * {@link GitlabReportInputError} when a match has no workload (neither its own nor its image's).
 */
export function renderGitlabClusterImageScanning(input: GitlabClusterImageScanningInput): string {
  const images = "images" in input ? input.images : [input];
  const findings: GitlabFinding[] = [];
  for (const { image, inventory, matches, kubernetes } of images) {
    const shared: readonly GitlabKubernetesResource[] =
      kubernetes === undefined ? [] : "namespace" in kubernetes ? [kubernetes] : kubernetes;
    for (const match of matches) {
      const workloads = match.kubernetes ? [match.kubernetes] : shared;
      if (workloads.length === 0) {
        throw new GitlabReportInputError(
          `${match.id} in ${match.package.name} (image ${image.reference}) has no Kubernetes resource: ` +
            "give the image's `kubernetes` or the match's own.",
        );
      }
      const importedFrom = match.importedFrom ? { importedFrom: match.importedFrom } : {};
      for (const workload of workloads)
        findings.push({ match, image, inventory, kubernetes: workload, ...importedFrom });
    }
  }
  return renderReport("cluster_image_scanning", input, findings);
}

function renderReport(type: ReportType, meta: GitlabReportMeta, findings: readonly GitlabFinding[]): string {
  const ids = assignVulnerabilityIds(findings.map((f) => identityOf(type, f)));
  const vulnerabilities = findings
    .map((finding, i) => ({ finding, vulnerability: renderGitlabVulnerability(finding, ids[i]!) }))
    .sort((a, b) =>
      compareStringLists(sortKey(a.finding, a.vulnerability.id), sortKey(b.finding, b.vulnerability.id)),
    )
    .map((entry) => entry.vulnerability);
  const report: GitlabSecurityReport = {
    version: GITLAB_REPORT_SCHEMA_VERSION,
    scan: scanOf(type, meta),
    vulnerabilities,
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}

function scanOf(type: ReportType, { scan, tool }: GitlabReportMeta): GitlabScan {
  if (!tool.version) throw new GitlabReportInputError("The tool version is empty; GitLab requires one.");
  // Vigil is both the analyzer (what GitLab runs) and the scanner (what finds the vulnerabilities).
  const vigil: GitlabTool = { id: "vigil", name: "Vigil", vendor: { name: "Vigil" }, version: tool.version };
  for (const message of scan.messages ?? []) {
    if (!message.value) throw new GitlabReportInputError("A scan message is empty; GitLab requires text.");
  }
  return {
    analyzer: vigil,
    scanner: vigil,
    type,
    start_time: gitlabTimestamp(scan.startTime, "start time"),
    end_time: gitlabTimestamp(scan.endTime, "end time"),
    status: scan.status,
    ...(scan.messages?.length
      ? { messages: scan.messages.map(({ level, value }) => ({ level, value })) }
      : {}),
  };
}

/** ARCHITECTURE.md section 5: scope (image repository, or cluster and workload), package name, primary id. */
function identityOf(type: ReportType, { match, image, kubernetes: k }: GitlabFinding): GitlabFindingIdentity {
  const scope = k
    ? [k.clusterId ?? "", k.agentId ?? "", k.namespace, k.kind, k.name, k.containerName]
    : [imageRepositoryOf(image)];
  const pkg = match.package;
  return {
    key: [type, ...scope, pkg.type, pkg.name, match.id],
    tieBreak: [pkg.location.path, pkg.arch ?? "", pkg.version, gitlabImageName(image)],
  };
}

function sortKey({ match, image, kubernetes: k }: GitlabFinding, id: string): string[] {
  const pkg = match.package;
  return [
    // Most severe first; Vigil's finer levels order findings GitLab shows with the same severity.
    String(SEVERITY_LEVELS.length - SEVERITY_LEVELS.indexOf(match.severity.level)).padStart(2, "0"),
    match.id,
    pkg.name,
    k?.namespace ?? "",
    k?.kind ?? "",
    k?.name ?? "",
    k?.containerName ?? "",
    gitlabImageName(image),
    pkg.version,
    pkg.location.path,
    id,
  ];
}
