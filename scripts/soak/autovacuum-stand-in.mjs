// What PostgreSQL's autovacuum would do to the soak's tables, done by the soak when the server
// has it switched off. This machine's PostgreSQL runs with `autovacuum = off`
// (/etc/postgresql/15/main/conf.d/90-ci.conf, a CI setting) and serves other work, so it is
// not switched on there. Without it every rescan leaves a dead copy of each still-detected
// finding and the findings queries slow down minute by minute: a soak would measure the
// missing vacuum, not Vigil. A production server has autovacuum on (PostgreSQL's default).
import pg from "pg";

/** PostgreSQL's defaults: autovacuum_naptime, *_vacuum_threshold / _scale_factor, *_analyze_*. */
const NAPTIME_MS = 60_000;
const VACUUM = { threshold: 50, scaleFactor: 0.2 };
const ANALYZE = { threshold: 50, scaleFactor: 0.1 };

/**
 * Once a naptime, vacuums (with analyze) every table of `schemas` whose dead rows pass
 * autovacuum's default threshold, and analyzes those whose changes since the last analyze pass
 * its analyze threshold, one table at a time as one autovacuum worker would. Does nothing when
 * the server runs autovacuum itself. Returns `runs` (what was done, when, how long) and `stop()`.
 */
export async function startAutovacuumStandIn({ url, schemas, epoch }) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query("show autovacuum");
  const runs = [];
  if (rows[0].autovacuum === "on") {
    await client.end();
    return { active: false, runs, stop: async () => {} };
  }
  let stopped = false;
  let timer;
  let pass = Promise.resolve();
  const due = async () => {
    const { rows: tables } = await client.query(
      `select s.schemaname, s.relname, s.n_dead_tup, s.n_mod_since_analyze, greatest(c.reltuples, 0) as reltuples
         from pg_stat_user_tables s join pg_class c on c.oid = s.relid
        where s.schemaname = any($1)`,
      [schemas],
    );
    for (const table of tables) {
      if (stopped) return;
      const vacuum = table.n_dead_tup > VACUUM.threshold + VACUUM.scaleFactor * table.reltuples;
      const analyze = table.n_mod_since_analyze > ANALYZE.threshold + ANALYZE.scaleFactor * table.reltuples;
      if (!vacuum && !analyze) continue;
      const name = `"${table.schemaname}"."${table.relname}"`;
      const started = performance.now();
      await client.query(vacuum ? `vacuum (analyze) ${name}` : `analyze ${name}`);
      runs.push({
        at: started - epoch,
        table: table.relname,
        action: vacuum ? "vacuum" : "analyze",
        deadRows: Number(table.n_dead_tup),
        ms: performance.now() - started,
      });
    }
  };
  const schedule = () => {
    timer = setTimeout(() => {
      pass = due()
        .catch((error) => runs.push({ at: performance.now() - epoch, error: error.message }))
        .finally(() => {
          if (!stopped) schedule();
        });
    }, NAPTIME_MS);
  };
  schedule();
  return {
    active: true,
    runs,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await pass.catch(() => {});
      await client.end();
    },
  };
}
