import type { FindingCounts } from "@vigil/server";
import { capitalized, SEVERITIES_DESCENDING } from "../components/severity.js";
import { Link } from "../router/router.js";

/** Open findings per severity as compact badges, each a link to the cluster's filtered report. */
export function OpenCounts({ counts, clusterId }: { counts: FindingCounts; clusterId: string }) {
  if (counts.total === 0) return <span className="muted">None</span>;
  return (
    <span className="open-counts">
      {SEVERITIES_DESCENDING.filter((level) => (counts.bySeverity[level] ?? 0) > 0).map((level) => (
        <Link
          key={level}
          className={`badge severity-${level}`}
          href={`/clusters/${encodeURIComponent(clusterId)}/security?severity=${level}`}
          title={`${counts.bySeverity[level]} open ${level}`}
        >
          {capitalized(level).slice(0, 1)} {counts.bySeverity[level]}
        </Link>
      ))}
    </span>
  );
}
