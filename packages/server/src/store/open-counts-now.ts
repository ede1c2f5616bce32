import { OPEN_FINDING_STATES, SEVERITY_LEVELS, type SeverityLevel } from "@vigil/core";
import type { FindingFilter } from "./finding-filter.js";
import type { FindingCounts } from "./finding-repository.js";
import { latestOpenCounts } from "./latest-open-counts.js";
import type { StoreDb } from "./store-schema.js";

/** What the kept open counts can answer: open operational findings by cluster, severity and fix. */
export interface OpenCountsQuery {
  readonly clusterIds?: readonly string[];
  readonly severities?: readonly SeverityLevel[];
  /** Only the findings with a fixed version. */
  readonly fixableOnly: boolean;
}

/**
 * The filter as a query of the kept open counts when they answer it exactly: operational
 * findings in exactly the open states, narrowed at most by cluster, severity and "has a fix".
 * That is the report's default view and every cluster's badge; counting the findings table
 * for it reads every open finding (seconds at a million), the kept counts a row per cluster
 * and severity. Undefined for any other filter: it is counted from the findings.
 */
export function openCountsQueryOf(filter: FindingFilter): OpenCountsQuery | undefined {
  const states = new Set(filter.states ?? []);
  const openStates =
    states.size === OPEN_FINDING_STATES.length && OPEN_FINDING_STATES.every((s) => states.has(s as never));
  const narrowed =
    filter.namespaces !== undefined ||
    filter.workloadKind !== undefined ||
    filter.workloadName !== undefined ||
    filter.containerName !== undefined ||
    filter.imageDigest !== undefined ||
    filter.packageNames !== undefined ||
    filter.kev !== undefined ||
    filter.project !== undefined ||
    filter.branch !== undefined ||
    (filter.text !== undefined && filter.text !== "") ||
    filter.fixable === false;
  if (filter.reportType !== "operational" || !openStates || narrowed) return undefined;
  return {
    ...(filter.clusterIds !== undefined ? { clusterIds: filter.clusterIds } : {}),
    ...(filter.severities !== undefined ? { severities: filter.severities } : {}),
    fixableOnly: filter.fixable === true,
  };
}

/** The open findings now, from each (cluster, severity)'s latest kept count. */
export async function openCountsNow(db: StoreDb, query: OpenCountsQuery): Promise<FindingCounts> {
  const bySeverity = Object.fromEntries(SEVERITY_LEVELS.map((level) => [level, 0])) as Record<
    SeverityLevel,
    number
  >;
  if (query.clusterIds?.length === 0 || query.severities?.length === 0) return { total: 0, bySeverity };
  const rows = await latestOpenCounts(db, query);
  let total = 0;
  for (const row of rows) {
    if (!(row.severity in bySeverity)) continue;
    const n = Number(query.fixableOnly ? row.fixable_count : row.open_count);
    bySeverity[row.severity as SeverityLevel] += n;
    total += n;
  }
  return { total, bySeverity };
}
