import { FINDING_STATES } from "@vigil/core/browser";
import type { FindingRecord } from "@vigil/server";
import { useState } from "react";
import { api } from "../api/client.js";
import { useApi } from "../api/use-api.js";
import { EmptyState } from "../components/empty-state.js";
import { ErrorBanner } from "../components/error-banner.js";
import { Link, navigate, useLocation } from "../router/router.js";
import { useSession } from "../session/session.js";
import { BulkStateBar } from "./bulk-state-bar.js";
import { ExportLinks } from "./export-links.js";
import { FindingsTable } from "./findings-table.js";
import {
  findingFilterOf,
  findingListOf,
  isFiltered,
  type ReportView,
  reportQueryOf,
  reportViewOf,
} from "./report-filter.js";
import { ReportFilters } from "./report-filters.js";
import { SeveritySummary } from "./severity-summary.js";
import { TrendChart } from "./trend-chart.js";

/**
 * One report: summary, trend (operational), filters, the findings table with bulk triage and
 * export. Its view lives in the URL under `basePath`; `clusterId` fixes the cluster (a
 * cluster's Security tab), so its filter is not offered.
 */
export function FindingsReport(props: {
  reportType: "operational" | "development";
  basePath: string;
  clusterId?: string;
}) {
  const { reportType, basePath, clusterId } = props;
  const session = useSession();
  const location = useLocation();
  const urlView = reportViewOf(location.query);
  const view: ReportView = clusterId ? { ...urlView, cluster: [clusterId] } : urlView;
  const viewKey = reportQueryOf(view);
  const [previous, setPrevious] = useState<string[]>([]);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [bulkOutcome, setBulkOutcome] = useState<string>();

  const show = (next: ReportView, options: { replace?: boolean; keepPage?: boolean } = {}) => {
    const withoutCursor = options.keepPage ? next : { ...next, cursor: undefined };
    const shown = clusterId ? { ...withoutCursor, cluster: [] } : withoutCursor;
    if (!options.keepPage) setPrevious([]);
    setSelected(new Set());
    setBulkOutcome(undefined);
    navigate(basePath + reportQueryOf(shown), options);
  };

  const list = useApi(
    (signal) => api("GET /api/v1/findings", { query: findingListOf(view, reportType), signal }),
    [viewKey, reportType],
  );
  const filterKey = reportQueryOf({ ...view, cursor: undefined, sort: "severity", order: "desc" });
  const summary = useApi(
    (signal) => api("GET /api/v1/findings/summary", { query: findingFilterOf(view, reportType), signal }),
    [filterKey, reportType],
  );
  const fixable = useApi(
    (signal) =>
      api("GET /api/v1/findings/summary", {
        query: { ...findingFilterOf(view, reportType), fixable: true },
        signal,
      }),
    [filterKey, reportType],
  );
  // Anything at all in these clusters, in any state: tells "nothing found" from "nothing matches".
  // One row of a keyset page answers that at once, where a count would read every finding.
  const everything = useApi(
    (signal) =>
      api("GET /api/v1/findings", {
        query: {
          report_type: reportType,
          ...(view.cluster.length > 0 ? { cluster: view.cluster } : {}),
          state: FINDING_STATES,
          limit: 1,
        },
        signal,
      }),
    [view.cluster.join(","), reportType],
  );
  const clusters = useApi((signal) => api("GET /api/v1/clusters", { signal }), []);
  const policies = useApi((signal) => api("GET /api/v1/policies", { signal }), []);

  const page = list.data;
  const counts = summary.data;
  const nothingAtAll = everything.data !== undefined && everything.data.items.length === 0;
  const clusterNames = new Map((clusters.data?.items ?? []).map((c) => [c.id, c.name]));

  const goNext = () => {
    if (!page?.nextCursor) return;
    setPrevious([...previous, view.cursor ?? ""]);
    show({ ...view, cursor: page.nextCursor }, { keepPage: true });
  };
  const goPrevious = () => {
    const before = previous[previous.length - 1];
    setPrevious(previous.slice(0, -1));
    show({ ...view, ...(before ? { cursor: before } : { cursor: undefined }) }, { keepPage: true });
  };

  if (nothingAtAll && !isFiltered(view)) {
    return (
      <>
        <ErrorBanner error={everything.error} />
        {reportType === "operational" ? (
          <OperationalEmptyState
            hasPolicies={(policies.data?.items.length ?? 0) > 0}
            policiesKnown={policies.data !== undefined}
            canCreate={session.can("maintainer")}
            clusterId={clusterId}
          />
        ) : (
          <EmptyState title="No development vulnerabilities yet" testId="empty-development">
            CI pipelines report here: a job uploads its container scanning report to{" "}
            <code>POST /api/v1/projects/:project/development-findings</code> with an API token.
          </EmptyState>
        )}
      </>
    );
  }

  return (
    <div className="report">
      <SeveritySummary
        counts={counts}
        fixable={fixable.data?.total}
        active={view.severity}
        onSelect={(severity) => show({ ...view, severity: severity ? [severity] : [] })}
      />
      {reportType === "operational" ? <TrendChart clusters={view.cluster} /> : null}
      <ReportFilters
        view={view}
        reportType={reportType}
        clusters={clusterId ? undefined : (clusters.data?.items ?? [])}
        onChange={show}
      />
      <div className="table-tools">
        <span aria-live="polite" className="muted">
          {counts ? `${counts.total.toLocaleString("en")} findings` : "Counting…"}
          {bulkOutcome ? <span role="status"> · {bulkOutcome}</span> : null}
        </span>
        <ExportLinks filter={findingFilterOf(view, reportType)} />
      </div>
      {session.can("developer") && selected.size > 0 ? (
        <BulkStateBar
          ids={[...selected]}
          onDone={(outcome) => {
            setBulkOutcome(outcome);
            setSelected(new Set());
            list.reload();
            summary.reload();
            fixable.reload();
          }}
        />
      ) : null}
      <ErrorBanner error={list.error} />
      {page && page.items.length === 0 ? (
        <EmptyState title="No findings match these filters" testId="empty-filtered">
          <button type="button" onClick={() => show(reportViewOf(new URLSearchParams()))}>
            Clear the filters
          </button>
        </EmptyState>
      ) : (
        <FindingsTable
          findings={(page?.items ?? []) as FindingRecord[]}
          reportType={reportType}
          clusterNames={clusterNames}
          loading={list.loading}
          selectable={session.can("developer")}
          selected={selected}
          onSelect={setSelected}
          sort={view.sort}
          order={view.order}
          onSort={(sort, order) => show({ ...view, sort, order })}
        />
      )}
      <nav className="pager" aria-label="Pages">
        <button type="button" onClick={goPrevious} disabled={previous.length === 0 && !view.cursor}>
          Previous
        </button>
        <button type="button" onClick={goNext} disabled={!page?.nextCursor}>
          Next
        </button>
      </nav>
    </div>
  );
}

/** The Operational tab before anything was found: no policy yet, or policies and a clean bill. */
function OperationalEmptyState(props: {
  hasPolicies: boolean;
  policiesKnown: boolean;
  canCreate: boolean;
  clusterId?: string;
}) {
  if (!props.policiesKnown) return <p className="page-status">Loading…</p>;
  if (!props.hasPolicies) {
    return (
      <EmptyState
        title="No scans are scheduled"
        testId="empty-no-policies"
        action={
          props.canCreate ? (
            <Link className="button primary" href="/policies/new">
              Create a scan execution policy
            </Link>
          ) : (
            <span>Ask a maintainer to create a scan execution policy.</span>
          )
        }
      >
        Operational vulnerabilities come from scans of the images your clusters run. Create a scan execution
        policy to scan {props.clusterId ? "this cluster" : "your clusters"} on a schedule.
      </EmptyState>
    );
  }
  return (
    <EmptyState title="No vulnerabilities found" testId="empty-no-vulnerabilities">
      The scans of {props.clusterId ? "this cluster" : "your clusters"} found no vulnerabilities in the images
      that run there. Scans run on the schedule of your policies; new advisories are matched against stored
      images as they arrive.
    </EmptyState>
  );
}
