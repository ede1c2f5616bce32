import { compareIssues, type LocatedIssue } from "../../model/issue.js";
import type { OsInfo } from "../../model/os-info.js";
import { trivyImage } from "./trivy-image.js";
import { isRecord, recordAt, TrivyIssueRecorder, textAt, typeName } from "./trivy-issues.js";
import {
  TRIVY_OPERATOR_SOURCE,
  TRIVY_REPORT_API_VERSION,
  type TrivyConversion,
  type TrivyImageReport,
  type TrivyMatch,
  type TrivyReportKind,
  type TrivyScanner,
} from "./trivy-report.js";
import { trivyVulnerability } from "./trivy-vulnerability.js";
import { trivyReportSubject } from "./trivy-workload.js";

const REPORT_KINDS: readonly string[] = [
  "VulnerabilityReport",
  "ClusterVulnerabilityReport",
] satisfies TrivyReportKind[];
const SUMMARY_COUNTS = [
  ["CRITICAL", "criticalCount"],
  ["HIGH", "highCount"],
  ["MEDIUM", "mediumCount"],
  ["LOW", "lowCount"],
  ["UNKNOWN", "unknownCount"],
] as const;

/**
 * Convert Trivy Operator `VulnerabilityReport`s and `ClusterVulnerabilityReport`s
 * (`aquasecurity.github.io/v1alpha1`, also as Starboard wrote them) into one
 * {@link TrivyImageReport} per report: one workload, container and image, with a
 * {@link TrivyMatch} per vulnerability. Pure: give it the objects as the API returns them.
 *
 * Bad input never throws: an object that is not such a report, or whose workload or image
 * cannot be told, is skipped with an error naming it and the field; a bad vulnerability entry
 * costs only that entry; doubtful data (no digest, an unknown severity, a summary that
 * disagrees with the list) is kept with a warning.
 */
export function convertTrivyReports(objects: readonly unknown[]): TrivyConversion {
  const reports: TrivyImageReport[] = [];
  const issues: LocatedIssue[] = [];
  objects.forEach((object, index) => {
    const converted = convertTrivyReport(object, index);
    if (converted.report) reports.push(converted.report);
    issues.push(...converted.issues);
  });
  reports.sort(compareReports);
  return { reports, issues: issues.sort(compareIssues) };
}

/**
 * Convert one object (see {@link convertTrivyReports}); `index`, its position in a list, names
 * an object that has no name.
 */
export function convertTrivyReport(
  object: unknown,
  index?: number,
): { readonly report?: TrivyImageReport; readonly issues: readonly LocatedIssue[] } {
  const unnamed = index === undefined ? "object" : `item ${index}`;
  if (!isRecord(object)) {
    const issues = new TrivyIssueRecorder(`Trivy report ${unnamed}`, unnamed);
    issues.add(
      "error",
      "trivy-not-a-report",
      undefined,
      `it is a ${typeName(object)}, not a Kubernetes object; skipped.`,
    );
    return { issues: issues.issues };
  }
  const metadata = recordAt(object, "metadata");
  const name = typeof metadata?.name === "string" && metadata.name ? metadata.name : undefined;
  const namespace =
    typeof metadata?.namespace === "string" && metadata.namespace ? metadata.namespace : undefined;
  const kindText = typeof object.kind === "string" ? object.kind : undefined;
  const path = name ? (namespace ? `${namespace}/${name}` : name) : unnamed;
  const issues = new TrivyIssueRecorder(`${kindText ?? "Object"} ${path}`, path);

  if (!kindText || !REPORT_KINDS.includes(kindText) || object.apiVersion !== TRIVY_REPORT_API_VERSION) {
    issues.add(
      "warning",
      "trivy-not-a-vulnerability-report",
      kindText && REPORT_KINDS.includes(kindText) ? "apiVersion" : "kind",
      `its kind is ${kindText ?? "missing"} (${typeof object.apiVersion === "string" ? object.apiVersion : "no apiVersion"}), ` +
        `not VulnerabilityReport or ClusterVulnerabilityReport (${TRIVY_REPORT_API_VERSION}); skipped.`,
    );
    return { issues: issues.issues };
  }
  const kind = kindText as TrivyReportKind;
  if (!name) {
    issues.add("error", "trivy-missing-field", "metadata.name", "metadata.name is missing; skipped.");
    return { issues: issues.issues };
  }
  const subject = trivyReportSubject(metadata, kind, issues);
  const report = recordAt(object, "report");
  if (!report) {
    issues.add("error", "trivy-missing-field", "report", "it has no report; skipped.");
  }
  if (!subject || !report) return { issues: issues.issues };
  const image = trivyImage(report, issues);
  if (!image) return { issues: issues.issues };
  issues.setImage(image.reference);

  const osRecord = recordAt(report, "os");
  const family = textAt(osRecord, "family", issues, "report.os.family")?.toLowerCase();
  const osVersion = textAt(osRecord, "name", issues, "report.os.name");
  const os: OsInfo | undefined = family
    ? { id: family, ...(osVersion ? { versionId: osVersion } : {}), source: TRIVY_OPERATOR_SOURCE }
    : undefined;
  const scanner = trivyScanner(report, issues);
  const updatedAt = textAt(report, "updateTimestamp", issues, "report.updateTimestamp");
  const matches = trivyMatches(report, os, issues);
  const uid = typeof metadata?.uid === "string" && metadata.uid ? metadata.uid : undefined;

  return {
    report: {
      report: {
        kind,
        ...(namespace && kind === "VulnerabilityReport" ? { namespace } : {}),
        name,
        ...(uid ? { uid } : {}),
        labels: subject.labels,
      },
      workload: subject.workload,
      containerName: subject.containerName,
      image,
      ...(os ? { os } : {}),
      ...(typeof osRecord?.eosl === "boolean" ? { osEndOfLife: osRecord.eosl } : {}),
      ...(scanner ? { scanner } : {}),
      ...(updatedAt ? { updatedAt } : {}),
      matches,
    },
    issues: issues.issues,
  };
}

function trivyScanner(
  report: Readonly<Record<string, unknown>>,
  issues: TrivyIssueRecorder,
): TrivyScanner | undefined {
  const scanner = recordAt(report, "scanner");
  if (!scanner) return undefined;
  const text = (key: string) => textAt(scanner, key, issues, `report.scanner.${key}`) ?? "";
  return { name: text("name"), vendor: text("vendor"), version: text("version") };
}

function trivyMatches(
  report: Readonly<Record<string, unknown>>,
  os: OsInfo | undefined,
  issues: TrivyIssueRecorder,
): TrivyMatch[] {
  const list = report.vulnerabilities;
  if (list === undefined) {
    issues.add(
      "warning",
      "trivy-missing-vulnerabilities",
      "report.vulnerabilities",
      "report.vulnerabilities is missing, so nothing is known about the image's vulnerabilities; converted with none.",
    );
    return [];
  }
  if (!Array.isArray(list)) {
    issues.add(
      "error",
      "trivy-missing-vulnerabilities",
      "report.vulnerabilities",
      `report.vulnerabilities is a ${typeName(list)}, not a list; converted with none.`,
    );
    return [];
  }
  if (list.length === 0) {
    issues.add(
      "info",
      "trivy-no-vulnerabilities",
      "report.vulnerabilities",
      "report.vulnerabilities is empty: Trivy found nothing in this image.",
    );
  }
  checkSummary(report, list, issues);
  const matches: TrivyMatch[] = [];
  list.forEach((entry, i) => {
    const match = trivyVulnerability(entry, `report.vulnerabilities[${i}]`, os, issues);
    if (match) matches.push(match);
  });
  const placeholders = matches.filter((m) => m.trivy.packageTypeEvidence === "placeholder").length;
  if (placeholders > 0) {
    issues.add(
      "info",
      "trivy-package-type-unknown",
      "report.vulnerabilities",
      `${placeholders} of ${matches.length} vulnerabilities do not say what kind of package they are in (no packagePURL, packageType, class or os); ` +
        "their package URL is pkg:generic.",
    );
  }
  return matches.sort(compareMatches);
}

/** A summary that disagrees with the list means entries were lost or the report was edited. */
function checkSummary(
  report: Readonly<Record<string, unknown>>,
  list: readonly unknown[],
  issues: TrivyIssueRecorder,
): void {
  const summary = recordAt(report, "summary");
  if (!summary) return;
  const differences: string[] = [];
  for (const [severity, key] of SUMMARY_COUNTS) {
    const said = summary[key];
    if (typeof said !== "number") continue;
    const counted = list.filter(
      (v) => isRecord(v) && typeof v.severity === "string" && v.severity.toUpperCase() === severity,
    ).length;
    if (counted !== said) differences.push(`${key} ${said} but ${counted} listed`);
  }
  if (differences.length > 0) {
    issues.add(
      "warning",
      "trivy-summary-mismatch",
      "report.summary",
      `report.summary disagrees with report.vulnerabilities (${differences.join(", ")}).`,
    );
  }
}

function compareMatches(a: TrivyMatch, b: TrivyMatch): number {
  return (
    cmp(a.package.name, b.package.name) ||
    cmp(a.package.version, b.package.version) ||
    cmp(a.id, b.id) ||
    cmp(a.package.location.path, b.package.location.path) ||
    cmp(a.trivy.target ?? "", b.trivy.target ?? "")
  );
}

function compareReports(a: TrivyImageReport, b: TrivyImageReport): number {
  return (
    cmp(a.workload.namespace, b.workload.namespace) ||
    cmp(a.workload.kind, b.workload.kind) ||
    cmp(a.workload.name, b.workload.name) ||
    cmp(a.containerName, b.containerName) ||
    cmp(a.report.kind, b.report.kind) ||
    cmp(a.report.namespace ?? "", b.report.namespace ?? "") ||
    cmp(a.report.name, b.report.name) ||
    // Names are unique in a cluster; these order copies of one report from different sources.
    cmp(a.image.reference, b.image.reference) ||
    cmp(a.report.labels, b.report.labels) ||
    cmp(a.scanner?.version ?? "", b.scanner?.version ?? "") ||
    cmp(a.updatedAt ?? "", b.updatedAt ?? "") ||
    a.matches.length - b.matches.length
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
