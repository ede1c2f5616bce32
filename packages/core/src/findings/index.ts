/**
 * The findings stage (ARCHITECTURE.md section 5): GitLab's vulnerability lifecycle over one
 * cluster's scans, as pure functions the server calls with its stored state.
 */
export * from "./change-finding-state.js";
export * from "./detections-of-cluster-scan.js";
export * from "./finding.js";
export * from "./finding-details-of-match.js";
export * from "./finding-identity.js";
export * from "./findings-input-error.js";
export * from "./reconcile-findings.js";
export * from "./scan-coverage.js";
