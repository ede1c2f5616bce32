import {
  FINDING_STATES,
  type FindingState,
  OPEN_FINDING_STATES,
  SEVERITY_LEVELS,
  type SeverityLevel,
} from "@vigil/core/browser";
import type { FindingFilterQuery, FindingListQuery } from "@vigil/server";
import { queryString } from "../api/query-string.js";

/**
 * The report's view as the URL holds it, so a view can be shared: every filter, the sort and
 * the page cursor. The parameter names are the API's (`cluster`, `severity`, `state` …), so a
 * report URL and the API call it makes read alike.
 */
export interface ReportView {
  readonly cluster: readonly string[];
  readonly namespace: readonly string[];
  readonly workload: string;
  readonly severity: readonly SeverityLevel[];
  /** Empty means the default: open findings (detected and confirmed). */
  readonly state: readonly FindingState[];
  readonly fixable?: boolean;
  readonly kev: boolean;
  readonly q: string;
  readonly project: string;
  readonly sort: "severity" | "last_seen" | "first_seen";
  readonly order: "desc" | "asc";
  readonly cursor?: string;
}

const SORTS = ["severity", "last_seen", "first_seen"] as const;

/** The view a URL's query describes; unknown values are dropped rather than sent on. */
export function reportViewOf(query: URLSearchParams): ReportView {
  const list = (name: string) =>
    query
      .getAll(name)
      .flatMap((v) => v.split(","))
      .map((v) => v.trim())
      .filter((v) => v !== "");
  const fixable = query.get("fixable");
  const sort = query.get("sort");
  return {
    cluster: list("cluster"),
    namespace: list("namespace"),
    workload: query.get("workload") ?? "",
    severity: list("severity").filter((v): v is SeverityLevel =>
      (SEVERITY_LEVELS as readonly string[]).includes(v),
    ),
    state: list("state").filter((v): v is FindingState => (FINDING_STATES as readonly string[]).includes(v)),
    ...(fixable === "true" ? { fixable: true } : fixable === "false" ? { fixable: false } : {}),
    kev: query.get("kev") === "true",
    q: query.get("q") ?? "",
    project: query.get("project") ?? "",
    sort: (SORTS as readonly string[]).includes(sort ?? "") ? (sort as ReportView["sort"]) : "severity",
    order: query.get("order") === "asc" ? "asc" : "desc",
    ...(query.get("cursor") ? { cursor: query.get("cursor")! } : {}),
  };
}

/** The URL query of a view (defaults left out, so the plain report has a plain URL). */
export function reportQueryOf(view: ReportView): string {
  return queryString({
    cluster: view.cluster,
    namespace: view.namespace,
    workload: view.workload,
    severity: view.severity,
    state: view.state,
    fixable: view.fixable,
    kev: view.kev ? true : undefined,
    q: view.q,
    project: view.project,
    sort: view.sort === "severity" ? undefined : view.sort,
    order: view.order === "desc" ? undefined : view.order,
    cursor: view.cursor,
  });
}

/** Whether the view narrows the report beyond its default (for the "no match" empty state). */
export function isFiltered(view: ReportView): boolean {
  return (
    view.namespace.length > 0 ||
    view.workload !== "" ||
    view.severity.length > 0 ||
    view.state.length > 0 ||
    view.fixable !== undefined ||
    view.kev ||
    view.q !== "" ||
    view.project !== ""
  );
}

/** The API filter of a view, for one report type; `clusters` when the page fixes them (a cluster's Security tab). */
export function findingFilterOf(
  view: ReportView,
  reportType: "operational" | "development",
): FindingFilterQuery {
  return {
    report_type: reportType,
    ...(view.cluster.length > 0 ? { cluster: view.cluster } : {}),
    ...(view.namespace.length > 0 ? { namespace: view.namespace } : {}),
    ...(view.workload !== "" ? { workload_name: view.workload } : {}),
    ...(view.severity.length > 0 ? { severity: view.severity } : {}),
    state: view.state.length > 0 ? view.state : OPEN_FINDING_STATES,
    ...(view.fixable !== undefined ? { fixable: view.fixable } : {}),
    ...(view.kev ? { kev: true } : {}),
    ...(view.q !== "" ? { q: view.q } : {}),
    ...(view.project !== "" ? { project: view.project } : {}),
  };
}

/** Findings per page of the report. */
export const PAGE_SIZE = 50;

/**
 * The list call of a view: its filter, sort and page. The counts come from a summary call of
 * their own: at a million findings a count takes seconds where a keyset page takes
 * milliseconds, and the table must not wait for it.
 */
export function findingListOf(view: ReportView, reportType: "operational" | "development"): FindingListQuery {
  return {
    ...findingFilterOf(view, reportType),
    sort: view.sort,
    order: view.order,
    limit: PAGE_SIZE,
    ...(view.cursor ? { cursor: view.cursor } : {}),
  };
}
