/**
 * Import of Trivy Operator (and Starboard) vulnerability reports: read them from a cluster
 * ({@link listTrivyReports}), convert them to Vigil's shapes ({@link convertTrivyReports}), and
 * feed them to the GitLab cluster image scanning report ({@link trivyGitlabImages}).
 */

export * from "./convert-trivy-reports.js";
export type * from "./custom-object-reader.js";
export * from "./list-trivy-reports.js";
export * from "./trivy-gitlab-images.js";
export { TRIVY_PLACEHOLDER_PACKAGE_TYPE } from "./trivy-package.js";
export type * from "./trivy-report.js";
export { TRIVY_OPERATOR_SOURCE, TRIVY_REPORT_API_VERSION } from "./trivy-report.js";
