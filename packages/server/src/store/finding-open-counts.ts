import { OPEN_FINDING_STATES } from "@vigil/core";
import { type Kysely, type QueryExecutorProvider, sql } from "kysely";
import type { VigilSchema } from "../db/schema.js";
import { type FindingsTable, storeDb } from "./store-schema.js";

/**
 * Keeping `finding_open_counts` (migration 0011) in step with the findings, inside the
 * transaction that writes them: the day's count of each (cluster, severity) a write moves.
 */

/** What of a `findings` row decides whether and where it is counted. */
export type CountedFinding = Pick<
  FindingsTable,
  "cluster_id" | "report_type" | "state" | "severity" | "fixable"
>;

/** How many open findings of a cluster and severity a write adds (negative: removes). */
export interface OpenCountDelta {
  readonly clusterId: string;
  readonly severity: string;
  readonly delta: number;
  /** Of `delta`, the findings with a fixed version. */
  readonly fixableDelta: number;
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
    const was = deltas.get(key);
    deltas.set(key, {
      clusterId: finding.cluster_id,
      severity: finding.severity,
      delta: (was?.delta ?? 0) + delta,
      fixableDelta: (was?.fixableDelta ?? 0) + (Number(finding.fixable) === 1 ? delta : 0),
    });
  };
  for (const { before, after } of writes) {
    if (before) add(before, -1);
    add(after, 1);
  }
  return [...deltas.values()]
    .filter((d) => d.delta !== 0 || d.fixableDelta !== 0)
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
  for (const { clusterId, severity, delta, fixableDelta } of deltas) {
    // The day's row, or a new one starting from the last row before the day (one lookup for
    // both counts). `where true` lets SQLite tell the upsert's ON CONFLICT from a join's ON.
    await sql`
      insert into finding_open_counts (cluster_id, severity, day, open_count, fixable_count)
      select ${clusterId}, ${severity}, ${day},
        coalesce(previous.open_count, 0) + ${delta}, coalesce(previous.fixable_count, 0) + ${fixableDelta}
      from (select 1 as one) as this_write
      left join (
        select open_count, fixable_count from finding_open_counts
        where cluster_id = ${clusterId} and severity = ${severity} and day < ${day}
        order by day desc limit 1
      ) as previous on true
      where true
      on conflict (cluster_id, severity, day)
      do update set open_count = finding_open_counts.open_count + ${delta},
        fixable_count = finding_open_counts.fixable_count + ${fixableDelta}
    `.execute(trx);
    // A write dated before a later day's row (a clock set back, a late import) moves that
    // day too: every day's count, and the latest one the summary reads, stay exact.
    await sql`
      update finding_open_counts
      set open_count = open_count + ${delta}, fixable_count = fixable_count + ${fixableDelta}
      where cluster_id = ${clusterId} and severity = ${severity} and day > ${day}
    `.execute(trx);
  }
}

/**
 * Sets the open counts anew from the findings as they are, as `day`'s only row of each
 * (cluster, severity): for findings written around `applyChanges` (a bulk load, the benches'
 * seeding), which the kept counts never saw. Earlier days' rows are dropped, since they no
 * longer add up to what is stored.
 */
export async function recountOpenFindings(database: Kysely<VigilSchema>, day: string): Promise<void> {
  await storeDb(database)
    .transaction()
    .execute(async (trx) => {
      await trx.deleteFrom("finding_open_counts").execute();
      await sql`
      insert into finding_open_counts (cluster_id, severity, day, open_count, fixable_count)
      select cluster_id, severity, ${day}, count(*), sum(fixable)
      from findings
      where report_type = 'operational' and state in ('detected', 'confirmed')
      group by cluster_id, severity
    `.execute(trx);
    });
}
