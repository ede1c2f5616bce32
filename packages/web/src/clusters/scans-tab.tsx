import type { ClusterView, ScanRecord } from "@vigil/server";
import { useEffect, useState } from "react";
import { api } from "../api/client.js";
import { useApi } from "../api/use-api.js";
import { EmptyState } from "../components/empty-state.js";
import { ErrorBanner } from "../components/error-banner.js";
import { capitalized } from "../components/severity.js";
import { TimeText } from "../components/time-text.js";
import { useSession } from "../session/session.js";
import { ScanNowButton } from "./scan-now-button.js";

/** The cluster's scans, newest first: why each ran, how it ended, and what it could not cover. */
export function ScansTab({ cluster, onScanStarted }: { cluster: ClusterView; onScanStarted: () => void }) {
  const session = useSession();
  const scans = useApi(
    (signal) => api("GET /api/v1/scans", { query: { cluster: [cluster.id], limit: 50 }, signal }),
    [cluster.id],
  );
  const refresh = () => {
    scans.reload();
    onScanStarted();
  };
  const items = scans.data?.items ?? [];
  // follow a queued or running scan until it ends, without a reload
  const active = items.some((scan) => scan.status === "queued" || scan.status === "running");
  useEffect(() => {
    if (!active) return;
    const timer = setTimeout(refresh, 2_000);
    return () => clearTimeout(timer);
  });
  return (
    <>
      <p>
        <ScanNowButton clusterId={cluster.id} onStarted={refresh} />
      </p>
      <ErrorBanner error={scans.error} />
      {scans.data && items.length === 0 ? (
        <EmptyState title="No scans yet" testId="empty-scans">
          Scans run on the schedule of your scan execution policies, or now.
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Queued</th>
                <th scope="col">Trigger</th>
                <th scope="col">Status</th>
                <th scope="col">Images</th>
                <th scope="col">Vulnerabilities</th>
                <th scope="col">Finished</th>
                <th scope="col">Problems</th>
              </tr>
            </thead>
            <tbody>
              {items.map((scan) => (
                <ScanRow
                  key={scan.id}
                  scan={scan}
                  canCancel={session.can("maintainer")}
                  onChanged={refresh}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function ScanRow({
  scan,
  canCancel,
  onChanged,
}: {
  scan: ScanRecord;
  canCancel: boolean;
  onChanged: () => void;
}) {
  const [error, setError] = useState<Error>();
  const active = scan.status === "queued" || scan.status === "running";
  const problems = [
    ...(scan.error ? [scan.error] : []),
    ...(scan.failures ?? []).map((f) => `${f.subject}: ${f.reason}`),
  ];
  return (
    <tr data-scan-id={scan.id}>
      <td>
        <TimeText at={scan.createdAt} withTime />
      </td>
      <td>{scan.trigger}</td>
      <td>
        <span className={`badge scan-${scan.status}`}>{capitalized(scan.status)}</span>
        {active && canCancel ? (
          <button
            type="button"
            className="link"
            onClick={() =>
              api("POST /api/v1/scans/:id/cancel", { params: { id: scan.id } }).then(onChanged, (e: Error) =>
                setError(e),
              )
            }
          >
            Cancel
          </button>
        ) : null}
        <ErrorBanner error={error} />
      </td>
      <td>{scan.summary ? `${scan.summary.scanned} of ${scan.summary.uniqueImages}` : "—"}</td>
      <td>{scan.summary ? scan.summary.vulnerabilities : "—"}</td>
      <td>
        <TimeText at={scan.finishedAt} withTime />
      </td>
      <td>
        {problems.length === 0 ? (
          <span className="muted">None</span>
        ) : (
          <details>
            <summary>
              {problems.length} problem{problems.length === 1 ? "" : "s"}
            </summary>
            <ul className="problems">
              {problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          </details>
        )}
      </td>
    </tr>
  );
}
