/**
 * Import of Trivy Operator (and Starboard) vulnerability reports: read them from a cluster
 * ({@link listTrivyReports}), convert them to Vigil's shapes ({@link convertTrivyReports}), name
 * the workloads as Vigil's discovery does ({@link resolveTrivyWorkloads}), render them as a table
 * or JSON, and feed them to the GitLab cluster image scanning report ({@link trivyGitlabImages}).
 */

export * from "./convert-trivy-reports.js";
export type * from "./custom-object-reader.js";
export * from "./list-trivy-reports.js";
export * from "./render-trivy-import-json.js";
export * from "./render-trivy-import-table.js";
export * from "./resolve-trivy-workloads.js";
export * from "./trivy-gitlab-images.js";
export * from "./trivy-import-result.js";
export { TRIVY_PLACEHOLDER_PACKAGE_TYPE } from "./trivy-package.js";
export type * from "./trivy-report.js";
export { TRIVY_OPERATOR_SOURCE, TRIVY_REPORT_API_VERSION } from "./trivy-report.js";
