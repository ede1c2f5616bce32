import type { FindingRecord } from "@vigil/server";
import { SeverityBadge } from "../components/severity.js";
import { StateBadge } from "../components/state-badge.js";
import { TimeText } from "../components/time-text.js";
import { Link } from "../router/router.js";

type Sort = "severity" | "last_seen" | "first_seen";

/**
 * One page of findings. Operational rows say where the finding runs (image, cluster,
 * namespace, workload and container, since when); development rows the project and branch.
 */
export function FindingsTable(props: {
  findings: readonly FindingRecord[];
  reportType: "operational" | "development";
  clusterNames: ReadonlyMap<string, string>;
  loading: boolean;
  selectable: boolean;
  selected: ReadonlySet<string>;
  onSelect: (selected: ReadonlySet<string>) => void;
  sort: Sort;
  order: "asc" | "desc";
  onSort: (sort: Sort, order: "asc" | "desc") => void;
}) {
  const { findings, selected } = props;
  const allSelected = findings.length > 0 && findings.every((f) => selected.has(f.id));
  const operational = props.reportType === "operational";
  const sortHeader = (sort: Sort, label: string) => {
    const current = props.sort === sort;
    const ariaSort = current ? (props.order === "asc" ? "ascending" : "descending") : "none";
    return (
      <th scope="col" aria-sort={ariaSort}>
        <button
          type="button"
          className="sort"
          onClick={() => props.onSort(sort, current && props.order === "desc" ? "asc" : "desc")}
        >
          {label}
          {current ? (props.order === "desc" ? " ▼" : " ▲") : ""}
        </button>
      </th>
    );
  };
  return (
    <div className="table-wrap" aria-busy={props.loading}>
      <table className="findings">
        <thead>
          <tr>
            {props.selectable ? (
              <th scope="col" className="select">
                <input
                  type="checkbox"
                  aria-label="Select every finding on this page"
                  checked={allSelected}
                  onChange={() =>
                    props.onSelect(allSelected ? new Set() : new Set(findings.map((f) => f.id)))
                  }
                />
              </th>
            ) : null}
            {sortHeader("severity", "Severity")}
            <th scope="col">Status</th>
            <th scope="col">Vulnerability</th>
            <th scope="col">Package</th>
            {operational ? (
              <>
                <th scope="col">Image</th>
                <th scope="col">Cluster</th>
                <th scope="col">Namespace</th>
                <th scope="col">Workload / container</th>
              </>
            ) : (
              <th scope="col">Project / branch</th>
            )}
            {sortHeader("first_seen", "Detected")}
            {operational ? <th scope="col">Running since</th> : null}
          </tr>
        </thead>
        <tbody>
          {findings.map((f) => (
            <tr key={f.id} data-finding-id={f.id}>
              {props.selectable ? (
                <td className="select">
                  <input
                    type="checkbox"
                    aria-label={`Select ${f.identity.advisoryId} in ${f.identity.packageName}`}
                    checked={selected.has(f.id)}
                    onChange={() => {
                      const next = new Set(selected);
                      if (next.has(f.id)) next.delete(f.id);
                      else next.add(f.id);
                      props.onSelect(next);
                    }}
                  />
                </td>
              ) : null}
              <td>
                <SeverityBadge level={f.details.severity.level} />
              </td>
              <td>
                <StateBadge state={f.state} />
                {f.kev ? (
                  <span className="badge kev" title="In CISA's Known Exploited Vulnerabilities catalog">
                    KEV
                  </span>
                ) : null}
              </td>
              <td className="identifier">
                <Link href={`/findings/${encodeURIComponent(f.id)}`}>{f.identity.advisoryId}</Link>
              </td>
              <td className="package">
                <span className="name">{f.identity.packageName}</span>{" "}
                <span className="versions">
                  {f.details.packageVersion}
                  {f.details.fixedVersion ? (
                    <> → {f.details.fixedVersion}</>
                  ) : (
                    <span className="muted"> (no fix)</span>
                  )}
                </span>
              </td>
              {operational ? (
                <>
                  <td className="image" title={f.details.imageDigest}>
                    {f.details.image}
                  </td>
                  <td>{props.clusterNames.get(f.identity.clusterId) ?? f.identity.clusterId}</td>
                  <td>{f.identity.namespace}</td>
                  <td>
                    {f.identity.workloadKind}/{f.identity.workloadName}
                    <span className="muted"> · {f.identity.containerName}</span>
                  </td>
                </>
              ) : (
                <td>
                  {f.project}
                  <span className="muted"> · {f.branch}</span>
                </td>
              )}
              <td className="date">
                <TimeText at={f.firstSeen} />
              </td>
              {operational ? (
                <td className="date">
                  <TimeText at={f.runningSince} />
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
