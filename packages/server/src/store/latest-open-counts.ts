import type { StoreDb } from "./store-schema.js";

/** Which kept counts {@link latestOpenCounts} reads. */
export interface LatestOpenCountsQuery {
  /** Only rows of days before this one (`YYYY-MM-DD`): what a trend starting then carries in. */
  readonly before?: string;
  readonly clusterIds?: readonly string[];
  readonly severities?: readonly string[];
}

/**
 * Each (cluster, severity)'s latest row of `finding_open_counts`: its count at the end of that
 * day, which holds on every later day without a row. The trend starts from these (before its
 * first day); the summary of open findings adds them up (with no bound, today's counts).
 */
export function latestOpenCounts(db: StoreDb, query: LatestOpenCountsQuery) {
  const { before, clusterIds, severities } = query;
  const latest = db
    .selectFrom("finding_open_counts")
    .select(["cluster_id", "severity"])
    .select((eb) => eb.fn.max("day").as("day"))
    .$if(before !== undefined, (q) => q.where("day", "<", before!))
    .$if(clusterIds !== undefined, (q) => q.where("cluster_id", "in", clusterIds!))
    .$if(severities !== undefined, (q) => q.where("severity", "in", severities!))
    .groupBy(["cluster_id", "severity"]);
  return db
    .selectFrom("finding_open_counts as c")
    .innerJoin(latest.as("l"), (join) =>
      join
        .onRef("l.cluster_id", "=", "c.cluster_id")
        .onRef("l.severity", "=", "c.severity")
        .onRef("l.day", "=", "c.day"),
    )
    .select(["c.cluster_id", "c.severity", "c.open_count", "c.fixable_count"])
    .execute();
}
