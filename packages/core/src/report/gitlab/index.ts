/**
 * GitLab security reports, schema 15.0.7: container scanning (one image, for a CI pipeline)
 * and cluster image scanning (every image a cluster runs, per workload). The helpers beside
 * these files (identifiers, severity, ids, locations) stay internal.
 */

export * from "./cluster-scan-gitlab.js";
export type * from "./gitlab-report-format.js";
export { GITLAB_REPORT_SCHEMA_VERSION } from "./gitlab-report-format.js";
export type * from "./gitlab-report-input.js";
export { GitlabReportInputError } from "./gitlab-report-input.js";
export { renderGitlabClusterImageScanning, renderGitlabContainerScanning } from "./render-gitlab-report.js";
