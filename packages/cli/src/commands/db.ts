import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { parseArgs } from "node:util";
import { type AdvisorySource, createBuiltinSources, renderTextTable } from "@vigil/core";
import { CliError } from "../cli-error.js";
import { detectImport, type ImportKind } from "../db/detect-import.js";
import { openCliStore } from "../db/open-store.js";
import { readLines } from "../db/read-lines.js";
import { runSync, type SourceRun } from "../db/run-sync.js";
import { formatAge, sourceAgeDays } from "../db/store-age.js";

export const DB_HELP = `Usage: vigil db COMMAND

Manage the advisory database (SQLite under $VIGIL_DATA_DIR, default ./.vigil;
PostgreSQL when DATABASE_URL=postgres://... is set).

Commands:
  update [--source NAME]... [--from LOCATION]
                     fetch every source (or the named ones) from upstream; --from
                     reads one source from a URL or local path instead
  import PATH...     offline: OSV zips or directories, Alpine secdb files, the Debian
                     tracker JSON, CISA KEV JSON, EPSS CSV, or a store export
  status             records, last sync and age of each source
  export FILE        write the whole store (for air-gapped installs; - for stdout)

Options:
  --verbose          list every skipped record, not only the first few
  --debug            stack traces on failure

Sources: osv, alpine-secdb, debian-tracker, kev, epss.
Each source is written in one transaction: a failure leaves its previous data intact.`;

/** `vigil db`: update, import, status, export. */
export async function runDb(argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case "update":
      return update(rest);
    case "import":
      return importPaths(rest);
    case "status":
      return status(rest);
    case "export":
      return exportStore(rest);
    case undefined:
    case "--help":
    case "-h":
    case "help":
      process.stdout.write(`${DB_HELP}\n`);
      return 0;
    default:
      throw new CliError(
        `unknown db command ${JSON.stringify(sub)}`,
        "Run `vigil db --help` for the commands.",
      );
  }
}

function sourcesByName(): Map<string, AdvisorySource> {
  return new Map(createBuiltinSources().map((s) => [s.name, s]));
}

async function update(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      source: { type: "string", multiple: true, default: [] },
      from: { type: "string" },
      verbose: { type: "boolean", default: false },
      debug: { type: "boolean", default: false },
    },
  });
  const all = sourcesByName();
  const names = values.source.length > 0 ? values.source : [...all.keys()];
  for (const name of names) {
    if (!all.has(name))
      throw new CliError(`unknown source ${JSON.stringify(name)}`, `Sources: ${[...all.keys()].join(", ")}.`);
  }
  if (values.from && names.length !== 1) {
    throw new CliError(
      "--from reads one source: name it with --source",
      "For example: vigil db update --source osv --from ./osv",
    );
  }
  const jobs = names.map((name) => ({
    source: all.get(name)!,
    location: values.from ?? all.get(name)!.defaultLocation,
  }));
  return syncAll(jobs, values.verbose);
}

async function importPaths(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      source: { type: "string" },
      verbose: { type: "boolean", default: false },
      debug: { type: "boolean", default: false },
    },
  });
  if (positionals.length === 0)
    throw new CliError("vigil db import needs at least one PATH", "Run `vigil db --help`.");
  const all = sourcesByName();
  const jobs: { source: AdvisorySource; location: string }[] = [];
  for (const path of positionals) {
    let kind: ImportKind | undefined;
    try {
      kind = (values.source as ImportKind | undefined) ?? (await detectImport(path));
    } catch (error) {
      throw new CliError(`cannot read ${path}: ${(error as Error).message}`, undefined, 2, { cause: error });
    }
    if (!kind) {
      throw new CliError(
        `cannot tell what ${path} holds`,
        "Name the source with --source (osv, alpine-secdb, debian-tracker, kev, epss) or pass a `vigil db export` file.",
      );
    }
    if (kind === "store-export") {
      if (positionals.length > 1)
        throw new CliError("a store export replaces the whole store: import it alone");
      return importExport(path);
    }
    const source = all.get(kind);
    if (!source) throw new CliError(`unknown source ${JSON.stringify(kind)}`);
    jobs.push({ source, location: path });
  }
  return syncAll(jobs, values.verbose);
}

async function syncAll(
  jobs: readonly { source: AdvisorySource; location: string }[],
  verbose: boolean,
): Promise<number> {
  const { database, store } = await openCliStore();
  const controller = new AbortController();
  const onSignal = () => controller.abort(new Error("interrupted"));
  process.once("SIGINT", onSignal);
  try {
    const runs: SourceRun[] = [];
    for (const job of jobs) {
      process.stderr.write(`${job.source.name}: reading ${job.location} ...\n`);
      const run = await runSync(store, job.source, job.location, {
        now: new Date(),
        signal: controller.signal,
      });
      runs.push(run);
      printRun(run, verbose);
    }
    const failed = runs.filter((r) => r.error);
    if (failed.length > 0) {
      process.stderr.write(
        `vigil: ${failed.length} of ${runs.length} sources failed; their previous data is unchanged (${failed.map((f) => f.source).join(", ")})\n`,
      );
      return 2;
    }
    return 0;
  } finally {
    process.off("SIGINT", onSignal);
    await database.close();
  }
}

function printRun(run: SourceRun, verbose: boolean): void {
  if (run.error) {
    process.stderr.write(`${run.source}: FAILED after ${run.seconds.toFixed(1)} s: ${run.error}\n`);
  } else if (run.summary) {
    const s = run.summary;
    const parts = [
      s.advisories > 0 || (s.kev === 0 && s.epss === 0)
        ? `${s.advisories} advisories (${s.total} in store, ${s.removed} removed)`
        : "",
      s.kev > 0 ? `${s.kev} KEV entries` : "",
      s.epss > 0 ? `${s.epss} EPSS scores` : "",
      `${s.problems} records skipped`,
    ].filter(Boolean);
    process.stdout.write(`${run.source}: ${parts.join(", ")} in ${run.seconds.toFixed(1)} s\n`);
  }
  const shown = verbose ? run.problems : run.problems.slice(0, 5);
  for (const p of shown)
    process.stdout.write(`  skipped ${p.id ? `${p.id} ` : ""}at ${p.location}: ${p.reason}\n`);
  if (shown.length < run.problems.length) {
    process.stdout.write(`  ... and ${run.problems.length - shown.length} more (--verbose lists them all)\n`);
  }
}

async function status(argv: readonly string[]): Promise<number> {
  parseArgs({ args: [...argv], options: { debug: { type: "boolean", default: false } } });
  const { database, store } = await openCliStore();
  try {
    const [states, stats] = await Promise.all([store.sources(), store.stats()]);
    const now = new Date();
    process.stdout.write(`Database: ${database.location} (${database.dialect})\n\n`);
    const perSource = new Map(stats.sources.map((s) => [s.source, s]));
    const rows = states.map((s) => {
      const counts = perSource.get(s.name);
      const age = sourceAgeDays(s, now);
      return [
        s.name,
        String(counts ? counts.advisories + counts.kev + counts.epss : s.records),
        s.lastSuccessAt ?? "never",
        age === undefined ? "-" : formatAge(age),
        s.lastError ? `last attempt failed: ${s.lastError.slice(0, 80)}` : "ok",
      ];
    });
    if (rows.length === 0) {
      process.stdout.write(
        "No advisory data yet. Run `vigil db update` (online) or `vigil db import PATH` (offline).\n",
      );
      return 0;
    }
    const header = ["SOURCE", "RECORDS", "LAST SUCCESS", "AGE", "STATUS"];
    process.stdout.write(`${renderTextTable(header, rows).join("\n")}\n\n`);
    const eco = stats.ecosystems.map((e) => `${e.ecosystemBase} ${e.advisories}`).join(", ");
    process.stdout.write(
      `${stats.totals.advisories} advisories, ${stats.totals.kev} KEV entries, ${stats.totals.epss} EPSS scores\n${eco ? `By ecosystem: ${eco}\n` : ""}`,
    );
    return 0;
  } finally {
    await database.close();
  }
}

async function exportStore(argv: readonly string[]): Promise<number> {
  const { positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { debug: { type: "boolean", default: false } },
  });
  if (positionals.length !== 1)
    throw new CliError("vigil db export needs one FILE (or - for standard output)");
  const target = positionals[0]!;
  const { database, store } = await openCliStore();
  const out = target === "-" ? process.stdout : createWriteStream(target);
  try {
    const summary = await store.exportAll(async (line) => {
      if (!out.write(`${line}\n`)) await once(out, "drain");
    });
    if (out !== process.stdout) {
      out.end();
      await once(out, "finish");
    }
    process.stderr.write(`exported ${JSON.stringify(summary)} to ${target}\n`);
    return 0;
  } finally {
    await database.close();
  }
}

async function importExport(path: string): Promise<number> {
  const { database, store } = await openCliStore();
  try {
    const summary = await store.importAll(readLines(path));
    process.stdout.write(`imported ${JSON.stringify(summary)} from ${path}\n`);
    return 0;
  } catch (error) {
    throw new CliError(
      `import of ${path} failed; the store is unchanged: ${(error as Error).message}`,
      undefined,
      2,
      { cause: error },
    );
  } finally {
    await database.close();
  }
}
