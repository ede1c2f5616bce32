import type { SeverityLevel } from "../../advisory/severity-level.js";
import type { GitlabSeverity } from "./gitlab-report-format.js";

/**
 * Vigil's level → GitLab's severity. GitLab has no `negligible`: its own container scanning
 * analyzer maps Grype's `Negligible` to `Low` ("Since GitLab lacks a 'negligible' severity,
 * 'Low' was the closest value in meaning", gitlab-org/security-products/analyzers/container-scanning,
 * `lib/template/grype.tpl`). `Info` is for findings that are not vulnerabilities, so Vigil
 * never writes it; `unknown` stays `Unknown` (no severity known, not "harmless").
 * The exact rating is kept in `details.severity`.
 */
const GITLAB_SEVERITY: Readonly<Record<SeverityLevel, GitlabSeverity>> = {
  unknown: "Unknown",
  negligible: "Low",
  low: "Low",
  medium: "Medium",
  high: "High",
  critical: "Critical",
};

/** GitLab's severity for a Vigil severity level. */
export function gitlabSeverity(level: SeverityLevel): GitlabSeverity {
  return GITLAB_SEVERITY[level];
}
