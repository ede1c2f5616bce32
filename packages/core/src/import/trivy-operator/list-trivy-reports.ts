import { compareIssues, type LocatedIssue } from "../../model/issue.js";
import { convertTrivyReports } from "./convert-trivy-reports.js";
import { type CustomObjectList, type CustomObjectReader, httpStatusOf } from "./custom-object-reader.js";
import { isRecord } from "./trivy-issues.js";
import {
  TRIVY_OPERATOR_SOURCE,
  TRIVY_REPORT_API_VERSION,
  type TrivyConversion,
  type TrivyReportKind,
} from "./trivy-report.js";

const GROUP = "aquasecurity.github.io";
const VERSION = "v1alpha1";
/** Where to look when a list is forbidden. */
const RBAC_FILE = "deploy/rbac.yaml";
const DEFAULT_PAGE_SIZE = 100;

/** Options of {@link listTrivyReports}. */
export interface ListTrivyReportsOptions {
  /** Only this namespace's VulnerabilityReports (and no ClusterVulnerabilityReports); default all namespaces. */
  readonly namespace?: string;
  /** Also list ClusterVulnerabilityReports; default true when no namespace is given. */
  readonly includeClusterReports?: boolean;
  /** Objects per page; default 100. */
  readonly pageSize?: number;
  readonly signal?: AbortSignal;
}

/** What {@link listTrivyReports} read. */
export interface TrivyReportListing {
  /** Every object listed, VulnerabilityReports first, each with `apiVersion` and `kind`. */
  readonly objects: readonly unknown[];
  /** Why something could not be listed; sorted. */
  readonly issues: readonly LocatedIssue[];
  /**
   * False when a list could not be read to its end (Trivy Operator missing, forbidden, failed
   * part-way): the reports are then partial, and a report's absence says nothing
   * (ARCHITECTURE.md section 5).
   */
  readonly complete: boolean;
}

/** What {@link importTrivyReports} returns: the converted reports, every issue, and whether the listing was complete. */
export interface TrivyImport extends TrivyConversion {
  readonly complete: boolean;
}

interface ResourceType {
  readonly kind: TrivyReportKind;
  readonly plural: string;
}

const VULNERABILITY_REPORTS: ResourceType = { kind: "VulnerabilityReport", plural: "vulnerabilityreports" };
const CLUSTER_VULNERABILITY_REPORTS: ResourceType = {
  kind: "ClusterVulnerabilityReport",
  plural: "clustervulnerabilityreports",
};

/**
 * List Trivy Operator's VulnerabilityReports (all namespaces, or one) and ClusterVulnerabilityReports,
 * following `continue` tokens page by page. An answer with an error status becomes an issue: a
 * missing CRD (404) "Trivy Operator is not installed in this cluster", a 403 names the permission
 * that is missing and the ClusterRole in `deploy/rbac.yaml` that grants it, an expired list (410)
 * is read again once; what was read before a failure is kept and `complete` is false.
 * It rejects only when the import cannot go on at all: cancellation, 401 (the credentials are
 * refused), or an error without HTTP status (no answer from the API server, or a bug).
 */
export async function listTrivyReports(
  reader: CustomObjectReader,
  options: ListTrivyReportsOptions = {},
): Promise<TrivyReportListing> {
  const objects: unknown[] = [];
  const issues: LocatedIssue[] = [];
  const namespaced = await listAll(reader, VULNERABILITY_REPORTS, options, objects, issues);
  let complete = namespaced === "complete";
  const wantCluster = options.includeClusterReports ?? options.namespace === undefined;
  if (namespaced !== "not-installed" && wantCluster) {
    const cluster = await listAll(
      reader,
      CLUSTER_VULNERABILITY_REPORTS,
      { ...options, namespace: undefined },
      objects,
      issues,
    );
    // Older Trivy Operators have no ClusterVulnerabilityReport: nothing to miss then.
    if (cluster === "failed") complete = false;
  }
  return { objects, issues: issues.sort(compareIssues), complete };
}

/** {@link listTrivyReports}, then {@link convertTrivyReports} on what was listed. */
export async function importTrivyReports(
  reader: CustomObjectReader,
  options: ListTrivyReportsOptions = {},
): Promise<TrivyImport> {
  const listing = await listTrivyReports(reader, options);
  const converted = convertTrivyReports(listing.objects);
  return {
    reports: converted.reports,
    issues: [...listing.issues, ...converted.issues].sort(compareIssues),
    complete: listing.complete,
  };
}

async function listAll(
  reader: CustomObjectReader,
  type: ResourceType,
  options: ListTrivyReportsOptions,
  objects: unknown[],
  issues: LocatedIssue[],
): Promise<"complete" | "not-installed" | "failed"> {
  const resource = `${type.plural}.${GROUP}`;
  const scope =
    options.namespace === undefined ? "across all namespaces" : `in namespace ${options.namespace}`;
  const issue = (severity: LocatedIssue["severity"], code: string, message: string) =>
    issues.push({
      severity,
      code,
      message,
      source: TRIVY_OPERATOR_SOURCE,
      location: { path: resource, ...(options.namespace !== undefined ? { record: options.namespace } : {}) },
    });
  // Read into `items` and keep them only if the list ends well or fails part-way; a list that
  // expires (410) is read again from the start, once, as the API asks clients to.
  let items: unknown[] = [];
  let restarted = false;
  const seen = new Set<string>();
  let token: string | undefined;
  const keep = () => {
    for (const item of items) objects.push(withType(item, type.kind));
  };
  for (;;) {
    options.signal?.throwIfAborted();
    let page: CustomObjectList;
    try {
      page = await reader.listCustomObjects({
        group: GROUP,
        version: VERSION,
        plural: type.plural,
        ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
        limit: options.pageSize ?? DEFAULT_PAGE_SIZE,
        ...(token ? { continue: token } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      const status = httpStatusOf(error);
      // Cancellation, refused credentials (401) and no answer at all end the import (ARCHITECTURE.md section 8).
      if (options.signal?.aborted || status === undefined || status === 401) throw error;
      if (status === 410 && !restarted) {
        restarted = true;
        items = [];
        seen.clear();
        token = undefined;
        continue;
      }
      keep();
      if (status === 404) {
        if (type === VULNERABILITY_REPORTS) {
          issue(
            "error",
            "trivy-operator-not-installed",
            `Trivy Operator is not installed in this cluster (no ${resource}).`,
          );
        } else {
          issue(
            "info",
            "trivy-operator-no-cluster-reports",
            `This cluster has no ${resource}; only namespaced reports were read.`,
          );
        }
        return "not-installed";
      }
      if (status === 403) {
        issue(
          "error",
          "trivy-operator-forbidden",
          `Vigil may not list ${resource} ${scope} (403 Forbidden): its service account needs the verb "list" on ` +
            `resource "${type.plural}" in API group "${GROUP}". Apply ${RBAC_FILE} (ClusterRole vigil-reader) or grant it.`,
        );
        return "failed";
      }
      const cause = error instanceof Error ? error.message : String(error);
      issue(
        "error",
        status === 410 ? "trivy-operator-list-expired" : "trivy-operator-list-failed",
        status === 410
          ? `Listing ${resource} ${scope} expired twice while its pages were read (410 Gone); ` +
              `the ${items.length} objects read are kept. Run the import again, or use a larger page size.`
          : `Listing ${resource} ${scope} failed (HTTP ${status}): ${cause}`,
      );
      return "failed";
    }
    items.push(...page.items);
    token = page.continue || undefined;
    if (token === undefined) break;
    if (seen.has(token)) {
      keep();
      issue(
        "error",
        "trivy-operator-list-loop",
        `Listing ${resource} ${scope} returned the same continue token twice; stopped.`,
      );
      return "failed";
    }
    seen.add(token);
  }
  keep();
  return "complete";
}

/**
 * Items of a custom resource list carry `apiVersion` and `kind`, but a client may strip them
 * (as typed Kubernetes clients do for built-in lists): add them back from the list they came from.
 */
function withType(item: unknown, kind: TrivyReportKind): unknown {
  if (!isRecord(item) || (item.apiVersion !== undefined && item.kind !== undefined)) return item;
  return { apiVersion: TRIVY_REPORT_API_VERSION, kind, ...item };
}
