import { api } from "../api/client.js";
import { useApi } from "../api/use-api.js";
import { EmptyState } from "../components/empty-state.js";
import { ErrorBanner } from "../components/error-banner.js";
import { durationSince, TimeText } from "../components/time-text.js";

/** What runs in the cluster as the last scan saw it: workload, container, image, and for how long. */
export function WorkloadsTab({ clusterId }: { clusterId: string }) {
  const workloads = useApi(
    (signal) => api("GET /api/v1/clusters/:id/workloads", { params: { id: clusterId }, query: {}, signal }),
    [clusterId],
  );
  const items = workloads.data?.items ?? [];
  if (workloads.error) return <ErrorBanner error={workloads.error} />;
  if (workloads.data && items.length === 0) {
    return <EmptyState title="No workloads seen yet">A scan records what runs in the cluster.</EmptyState>;
  }
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Namespace</th>
            <th scope="col">Workload</th>
            <th scope="col">Container</th>
            <th scope="col">Image</th>
            <th scope="col">Running for</th>
            <th scope="col">Last seen</th>
          </tr>
        </thead>
        <tbody>
          {items.map((w) => (
            <tr key={`${w.namespace}/${w.workloadKind}/${w.workloadName}/${w.containerName}/${w.digest}`}>
              <td>{w.namespace}</td>
              <td>
                {w.workloadKind}/{w.workloadName}
              </td>
              <td>{w.containerName}</td>
              <td className="image" title={w.digest}>
                {w.image}
              </td>
              <td title={w.runningSince}>{durationSince(w.runningSince)}</td>
              <td>
                <TimeText at={w.lastSeenAt} withTime />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
