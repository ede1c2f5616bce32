import { useState } from "react";
import { api } from "../api/client.js";
import { useApi } from "../api/use-api.js";
import { EmptyState } from "../components/empty-state.js";
import { ErrorBanner } from "../components/error-banner.js";
import { TimeText } from "../components/time-text.js";
import { Link } from "../router/router.js";
import { useSession } from "../session/session.js";

/** Scan execution policies: when each runs next, on which clusters, enabled or not. */
export function PoliciesPage() {
  const session = useSession();
  const policies = useApi((signal) => api("GET /api/v1/policies", { signal }), []);
  const [error, setError] = useState<Error>();
  const items = policies.data?.items ?? [];
  const canEdit = session.can("maintainer");
  const setEnabled = async (id: string, enabled: boolean) => {
    try {
      await api("PATCH /api/v1/policies/:id", { params: { id }, body: { enabled } });
      setError(undefined);
      policies.reload();
    } catch (caught) {
      setError(caught instanceof Error ? caught : new Error(String(caught)));
    }
  };
  return (
    <>
      <h1>Scan execution policies</h1>
      {canEdit ? (
        <p>
          <Link className="button primary" href="/policies/new">
            New policy
          </Link>
        </p>
      ) : null}
      <ErrorBanner error={error ?? policies.error} />
      {policies.data && items.length === 0 ? (
        <EmptyState title="No scans are scheduled" testId="empty-policies">
          A scan execution policy scans the images your clusters run on a schedule (a cron cadence in a time
          zone).
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Policy</th>
                <th scope="col">Cadence</th>
                <th scope="col">Clusters</th>
                <th scope="col">Next run</th>
                <th scope="col">Last run</th>
                <th scope="col">Enabled</th>
              </tr>
            </thead>
            <tbody>
              {items.map((p) => (
                <tr key={p.id}>
                  <td>
                    {canEdit ? <Link href={`/policies/${encodeURIComponent(p.id)}`}>{p.name}</Link> : p.name}
                    {p.warnings && p.warnings.length > 0 ? (
                      <span className="muted small"> · {p.warnings.length} warnings</span>
                    ) : null}
                  </td>
                  <td>
                    <code>{p.cadence}</code> <span className="muted small">{p.timezone}</span>
                  </td>
                  <td>{p.clusters.length > 0 ? p.clusters.join(", ") : "All clusters"}</td>
                  <td>
                    {p.enabled ? (
                      <TimeText at={p.nextRunAt} withTime />
                    ) : (
                      <span className="muted">Disabled</span>
                    )}
                  </td>
                  <td>
                    <TimeText at={p.lastRunAt} withTime />
                  </td>
                  <td>
                    <label className="check">
                      <input
                        type="checkbox"
                        checked={p.enabled}
                        disabled={!canEdit}
                        onChange={(e) => void setEnabled(p.id, e.target.checked)}
                      />
                      <span className="visually-hidden">Enable {p.name}</span>
                    </label>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
