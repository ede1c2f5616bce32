import { api } from "../api/client.js";
import { useApi } from "../api/use-api.js";
import { EmptyState } from "../components/empty-state.js";
import { ErrorBanner } from "../components/error-banner.js";
import { capitalized } from "../components/severity.js";
import { TimeText } from "../components/time-text.js";
import { Link } from "../router/router.js";
import { OpenCounts } from "./open-counts.js";

/** Every connected cluster: how it is reached, its last scan, and its open findings by severity. */
export function ClustersPage() {
  const clusters = useApi((signal) => api("GET /api/v1/clusters", { signal }), []);
  const items = clusters.data?.items ?? [];
  return (
    <>
      <h1>Clusters</h1>
      <ErrorBanner error={clusters.error} />
      {clusters.data && items.length === 0 ? (
        <EmptyState title="No clusters are connected" testId="empty-clusters">
          Connect a cluster with a kubeconfig context (<code>vigil serve --kubeconfig …</code>) or register an
          in-cluster agent (<code>POST /api/v1/clusters/:id/agents</code>, then <code>vigil agent</code> in
          the cluster).
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Cluster</th>
                <th scope="col">Connection</th>
                <th scope="col">Last scan</th>
                <th scope="col">Status</th>
                <th scope="col">Open findings</th>
              </tr>
            </thead>
            <tbody>
              {items.map((c) => (
                <tr key={c.id}>
                  <td>
                    <Link href={`/clusters/${encodeURIComponent(c.id)}/security`}>{c.name}</Link>
                    {c.name !== c.id ? <span className="muted small"> ({c.id})</span> : null}
                  </td>
                  <td>
                    {c.connectionKind === "agent" ? "Agent" : "Kubeconfig"}
                    {c.kubeconfigContext ? (
                      <span className="muted small"> · {c.kubeconfigContext}</span>
                    ) : null}
                  </td>
                  <td>
                    <TimeText at={c.lastScanAt} withTime />
                  </td>
                  <td>
                    {c.lastScanStatus ? (
                      <span className={`badge scan-${c.lastScanStatus}`}>
                        {capitalized(c.lastScanStatus)}
                      </span>
                    ) : (
                      <span className="muted">Never scanned</span>
                    )}
                  </td>
                  <td>
                    <OpenCounts counts={c.openFindings} clusterId={c.id} />
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
