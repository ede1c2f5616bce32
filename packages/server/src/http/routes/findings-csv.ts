import type { FindingRecord } from "../../store/finding-record.js";

/**
 * Findings as CSV (RFC 4180): a header row, one row per finding, CRLF line ends, fields quoted
 * when they hold a comma, quote, CR or LF (quotes doubled). Text a spreadsheet would run as a
 * formula (starting with `=`, `+`, `-`, `@`, tab or CR) gets a leading `'`, as OWASP advises
 * for CSV injection: dismissal comments are anyone's text. Lists (aliases) are `;`-separated.
 */

const COLUMNS: readonly (readonly [string, (f: FindingRecord) => string | number | boolean | undefined])[] = [
  ["id", (f) => f.id],
  ["report_type", (f) => f.reportType],
  ["cluster", (f) => f.identity.clusterId],
  ["namespace", (f) => f.identity.namespace],
  ["workload_kind", (f) => f.identity.workloadKind],
  ["workload_name", (f) => f.identity.workloadName],
  ["container", (f) => f.identity.containerName],
  ["project", (f) => f.project],
  ["branch", (f) => f.branch],
  ["advisory_id", (f) => f.identity.advisoryId],
  ["aliases", (f) => f.details.aliases.join(";")],
  ["package", (f) => f.identity.packageName],
  ["package_type", (f) => f.details.packageType],
  ["installed_version", (f) => f.details.packageVersion],
  ["fixed_version", (f) => f.details.fixedVersion],
  ["match_status", (f) => f.details.matchStatus],
  ["severity", (f) => f.details.severity.level],
  ["severity_score", (f) => f.details.severity.score],
  ["kev", (f) => f.kev],
  ["epss", (f) => f.epss],
  ["state", (f) => f.state],
  ["dismissal_reason", (f) => f.dismissal?.reason],
  ["dismissal_comment", (f) => f.dismissal?.comment],
  ["image", (f) => f.details.image],
  ["image_digest", (f) => f.details.imageDigest],
  ["purl", (f) => f.details.purl],
  ["path", (f) => f.details.path],
  ["layer_digest", (f) => f.details.layerDigest],
  ["first_seen", (f) => f.firstSeen],
  ["last_seen", (f) => f.lastSeen],
  ["running_since", (f) => f.runningSince],
  ["resolved_at", (f) => f.resolvedAt],
  ["no_longer_detected", (f) => f.noLongerDetected],
];

/** The header row's column names. */
export const CSV_COLUMNS: readonly string[] = COLUMNS.map(([name]) => name);

/** The header row, with its line end. */
export function csvHeader(): string {
  return csvLine(CSV_COLUMNS);
}

/** One finding's row, with its line end. */
export function csvRow(finding: FindingRecord): string {
  return csvLine(COLUMNS.map(([, value]) => value(finding)));
}

function csvLine(values: readonly (string | number | boolean | undefined)[]): string {
  return `${values.map(csvField).join(",")}\r\n`;
}

/** One field: empty for absent, numbers and booleans as written, text neutralized and quoted as needed. */
export function csvField(value: string | number | boolean | undefined): string {
  if (value === undefined) return "";
  if (typeof value !== "string") return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
