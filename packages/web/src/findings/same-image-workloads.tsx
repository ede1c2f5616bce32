import type { FindingView } from "@vigil/server";
import { TimeText } from "../components/time-text.js";
import { Link } from "../router/router.js";

/** Every workload container that runs the same image digest, in any cluster: the blast radius. */
export function SameImageWorkloads({ finding }: { finding: FindingView }) {
  const rows = finding.sameImage ?? [];
  return (
    <section aria-labelledby="same-image">
      <h2 id="same-image">
        Workloads running this image ({rows.length}
        {finding.sameImageTruncated ? "+" : ""})
      </h2>
      {rows.length === 0 ? (
        <p className="muted">No workload the last scans saw runs this image now.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Cluster</th>
                <th scope="col">Namespace</th>
                <th scope="col">Workload</th>
                <th scope="col">Container</th>
                <th scope="col">Running since</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((w) => (
                <tr
                  key={`${w.clusterId}/${w.namespace}/${w.workloadKind}/${w.workloadName}/${w.containerName}`}
                >
                  <td>
                    <Link href={`/clusters/${encodeURIComponent(w.clusterId)}/workloads`}>
                      {w.clusterName ?? w.clusterId}
                    </Link>
                  </td>
                  <td>{w.namespace}</td>
                  <td>
                    {w.workloadKind}/{w.workloadName}
                  </td>
                  <td>{w.containerName}</td>
                  <td>
                    <TimeText at={w.runningSince} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
