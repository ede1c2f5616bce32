import type { FindingState } from "@vigil/core";
import { type QueryExecutorProvider, sql } from "kysely";
import type { FindingsTable } from "./store-schema.js";

/**
 * Keeping `finding_open_counts` (migration 0011) in step with the findings, inside the
 * transaction that writes them: the day's count of each (cluster, severity) a write moves.
 */

/** Open findings, what still needs someone: the states a trend (and a cluster's counts) count. */
export const OPEN_FINDING_STATES: readonly FindingState[] = ["detected", "confirmed"];

/** What of a `findings` row decides whether and where it is counted. */
export type CountedFinding = Pick<FindingsTable, "cluster_id" | "report_type" | "state" | "severity">;

/** How many open findings of a cluster and severity a write adds (negative: removes). */
export interface OpenCountDelta {
  readonly clusterId: string;
  readonly severity: string;
  readonly delta: number;
}

/** Whether a trend counts the finding. */
export function isOpenOperational(finding: CountedFinding): boolean {
  return (
    finding.report_type === "operational" &&
    (OPEN_FINDING_STATES as readonly string[]).includes(finding.state)
  );
}

/**
 * The open counts that writing each `after` over its `before` (absent for a new finding)
 * moves, without the ones that add up to nothing, by cluster then severity.
 */
export function openCountDeltas(
  writes: readonly { readonly before?: CountedFinding; readonly after: CountedFinding }[],
): OpenCountDelta[] {
  const deltas = new Map<string, OpenCountDelta>();
  const add = (finding: CountedFinding, delta: number) => {
    if (!isOpenOperational(finding)) return;
    const key = JSON.stringify([finding.cluster_id, finding.severity]);
    const sum = (deltas.get(key)?.delta ?? 0) + delta;
    deltas.set(key, { clusterId: finding.cluster_id, severity: finding.severity, delta: sum });
  };
  for (const { before, after } of writes) {
    if (before) add(before, -1);
    add(after, 1);
  }
  return [...deltas.values()]
    .filter((d) => d.delta !== 0)
    .sort((a, b) =>
      a.clusterId !== b.clusterId ? (a.clusterId < b.clusterId ? -1 : 1) : a.severity < b.severity ? -1 : 1,
    );
}

/**
 * Adds each delta to its (cluster, severity)'s count of `day` (`YYYY-MM-DD`), in the
 * transaction `trx` that writes the findings that move them: to the day's row when there is
 * one, else to a new row holding the last count before the day (0 before the first). One
 * statement per delta, atomic on both dialects: on PostgreSQL a concurrent writer's insert of
 * the same row waits for this one to commit and then adds to it, so no change is lost or
 * counted twice; the rows are taken in cluster and severity order, so two writers cannot
 * deadlock on them.
 */
export async function addOpenCounts(
  trx: QueryExecutorProvider,
  day: string,
  deltas: readonly OpenCountDelta[],
): Promise<void> {
  for (const { clusterId, severity, delta } of deltas) {
    await sql`
      insert into finding_open_counts (cluster_id, severity, day, open_count)
      values (${clusterId}, ${severity}, ${day}, coalesce((
        select open_count from finding_open_counts
        where cluster_id = ${clusterId} and severity = ${severity} and day < ${day}
        order by day desc limit 1
      ), 0) + ${delta})
      on conflict (cluster_id, severity, day)
      do update set open_count = finding_open_counts.open_count + ${delta}
    `.execute(trx);
  }
}
