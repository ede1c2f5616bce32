import type { ClusterView } from "@vigil/server";
import { EmptyState } from "../components/empty-state.js";
import { FindingsReport } from "../report/findings-report.js";
import { ScanNowButton } from "./scan-now-button.js";

/** The operational report of one cluster; before its first scan, an empty state that offers one. */
export function SecurityTab({ cluster, onScanStarted }: { cluster: ClusterView; onScanStarted: () => void }) {
  if (!cluster.lastScanAt) {
    return (
      <EmptyState
        title="This cluster has not been scanned yet"
        testId="empty-cluster-no-scans"
        action={<ScanNowButton clusterId={cluster.id} onStarted={onScanStarted} />}
      >
        Vigil scans the images its running containers were started from. Scans run on the schedule of your
        scan execution policies, or now.
      </EmptyState>
    );
  }
  return (
    <FindingsReport
      reportType="operational"
      basePath={`/clusters/${encodeURIComponent(cluster.id)}/security`}
      clusterId={cluster.id}
    />
  );
}
