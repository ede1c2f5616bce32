/**
 * The part of core a browser may load: vocabularies (severity levels, finding states,
 * dismissal reasons) from modules that import nothing at run time, so the web UI shows the
 * same lists the server validates against without bundling Node code.
 */
export { compareSeverity, SEVERITY_LEVELS, type SeverityLevel } from "./advisory/severity-level.js";
export { FINDING_STATES, type FindingState, OPEN_FINDING_STATES } from "./findings/finding.js";
export { DISMISSAL_REASONS, type DismissalReason } from "./suppress/ignore-rule.js";
