/**
 * Scan execution policies (GitLab-shaped YAML: cadence, clusters and namespaces, severity
 * threshold) and the scheduler that runs them and built-in jobs such as the advisory update.
 */
export * from "./cadence.js";
export * from "./parse-policies.js";
export * from "./policy-issue.js";
export * from "./render-policy-yaml.js";
export * from "./scan-policy.js";
export * from "./scheduled-job.js";
export * from "./scheduler.js";
export * from "./scheduler-error.js";
