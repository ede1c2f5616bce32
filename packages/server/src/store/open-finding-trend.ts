import { SEVERITY_LEVELS, type SeverityLevel } from "@vigil/core";
import type { Kysely } from "kysely";
import type { VigilSchema } from "../db/schema.js";
import type { FindingCounts } from "./finding-repository.js";
import { latestOpenCounts } from "./latest-open-counts.js";
import { storeDb } from "./store-schema.js";

/** The open findings at the end of one UTC day. */
export interface OpenFindingsOfDay extends FindingCounts {
  /** `YYYY-MM-DD`. */
  readonly day: string;
}

/** Which days and clusters a trend covers. */
export interface OpenFindingTrendQuery {
  /** The first day, `YYYY-MM-DD` (UTC). */
  readonly from: string;
  /** The last day, inclusive. */
  readonly to: string;
  /** Absent: every cluster; an empty list matches none. */
  readonly clusterIds?: readonly string[];
}

/** Reads the daily open-finding counts (`finding_open_counts`, kept by the finding repository's writes). */
export interface OpenFindingTrendReader {
  /**
   * The open (detected or confirmed) operational findings per severity at the end of each day
   * from `from` to `to`, oldest first, summed over the clusters. A cluster's count on a day it
   * was not written is its last count before; before its first count it has none.
   */
  trend(query: OpenFindingTrendQuery): Promise<OpenFindingsOfDay[]>;
}

/** Most days one trend reads (the route asks for a year at most): a bound on a bad range. */
const MAX_READ_DAYS = 3_660;

/** The trend reader over Vigil's database. */
export function createOpenFindingTrendReader(database: Kysely<VigilSchema>): OpenFindingTrendReader {
  const db = storeDb(database);
  return {
    async trend({ from, to, clusterIds }) {
      const days = daysFrom(from, to);
      if (clusterIds !== undefined && clusterIds.length === 0) return days.map(emptyDay);
      const ofClusters = clusterIds !== undefined;
      // each (cluster, severity)'s last count before the first day: what the first day starts from
      const carried = await latestOpenCounts(db, { before: from, clusterIds });
      const within = await db
        .selectFrom("finding_open_counts")
        .select(["cluster_id", "severity", "day", "open_count"])
        .where("day", ">=", from)
        .where("day", "<=", to)
        .$if(ofClusters, (q) => q.where("cluster_id", "in", clusterIds!))
        .orderBy("day")
        .execute();

      const current = new Map<string, { severity: string; count: number }>();
      const set = (row: { cluster_id: string; severity: string; open_count: number }) =>
        current.set(JSON.stringify([row.cluster_id, row.severity]), {
          severity: row.severity,
          count: Number(row.open_count),
        });
      for (const row of carried) set(row);
      let next = 0;
      return days.map((day) => {
        for (; next < within.length && within[next]!.day === day; next++) set(within[next]!);
        const counts = emptyDay(day);
        const bySeverity = counts.bySeverity as Record<SeverityLevel, number>;
        let total = 0;
        for (const { severity, count } of current.values()) {
          if (!(severity in bySeverity)) continue;
          bySeverity[severity as SeverityLevel] += count;
          total += count;
        }
        return { ...counts, total };
      });
    },
  };
}

/** A day with no open findings. */
function emptyDay(day: string): OpenFindingsOfDay {
  return {
    day,
    total: 0,
    bySeverity: Object.fromEntries(SEVERITY_LEVELS.map((level) => [level, 0])) as Record<
      SeverityLevel,
      number
    >,
  };
}

/** Every UTC day from `from` to `to` (`YYYY-MM-DD`), inclusive. */
function daysFrom(from: string, to: string): string[] {
  const start = Date.parse(`${from}T00:00:00.000Z`);
  const end = Date.parse(`${to}T00:00:00.000Z`);
  if (Number.isNaN(start) || Number.isNaN(end)) throw new RangeError(`not days: ${from} … ${to}`);
  const count = Math.round((end - start) / 86_400_000) + 1;
  if (count > MAX_READ_DAYS) throw new RangeError(`a trend of ${count} days: at most ${MAX_READ_DAYS}`);
  return Array.from({ length: Math.max(0, count) }, (_, i) =>
    new Date(start + i * 86_400_000).toISOString().slice(0, 10),
  );
}
