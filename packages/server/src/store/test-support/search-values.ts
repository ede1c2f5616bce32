import { type Kysely, sql } from "kysely";
import { expect } from "vitest";
import type { VigilSchema } from "../../db/schema.js";

/**
 * SQLite: `finding_search_values` counts exactly the findings' advisory ids and package names,
 * and its FTS5 index holds exactly those values (`integrity-check` throws SQLITE_CORRUPT_VTAB if not).
 */
export async function expectSearchValuesInStep(db: Kysely<VigilSchema>): Promise<void> {
  const { rows: stored } = await sql<{
    value: string;
    findings: number;
  }>`select value, findings from finding_search_values order by value`.execute(db);
  const { rows: counted } = await sql<{ value: string; findings: number }>`select value, count(*) as findings
    from (select advisory_id as value from findings union all select package_name from findings)
    group by value order by value`.execute(db);
  expect(stored).toEqual(counted);
  await sql`insert into finding_search_values_fts (finding_search_values_fts, rank) values ('integrity-check', 1)`.execute(
    db,
  );
}
