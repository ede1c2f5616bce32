/**
 * Fuzzing of the advisory sources through `sync`, the entry point the store calls, reading a
 * local copy of damaged feed data (OSV records and an OSV zip export, Alpine secdb, the Debian
 * security tracker, CISA KEV, EPSS plain and gzip), seeded with the real excerpts in testdata.
 * Every advisory that comes out is also turned into its stored form (severity from CVSS) and
 * its affected ranges are evaluated, as matching would.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe } from "vitest";
import type { AdvisorySource, SyncItem } from "../advisory/source.js";
import {
  createAlpineSecdbSource,
  createDebianTrackerSource,
  createEpssSource,
  createKevSource,
  createOsvSource,
  SourceReadError,
} from "../advisory/sources/index.js";
import { toAdvisory } from "../advisory/to-advisory.js";
import { buildZip } from "../archive/zip/test-support/zip-builder.js";
import { evaluateAffected } from "../match/affects.js";
import { rangeComparatorsFor } from "../match/range-comparators.js";
import { UnknownEcosystemError } from "../version/errors.js";
import { CORE_SRC, Corpus, filesUnder } from "./test-support/corpus.js";
import { fuzz } from "./test-support/fuzz-property.js";

const NOW = "2025-09-01T00:00:00Z";
const offline = async (url: string): Promise<Response> => {
  throw new Error(`no network in fuzzing: ${url}`);
};

const work = mkdtempSync(join(tmpdir(), "vigil-fuzz-advisory-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Real OSV records: the first few of each ecosystem excerpt, and the severity fixtures. */
const osvRecords = new Map<string, Buffer>();
for (const file of filesUnder(join(CORE_SRC, "advisory/sources/osv/testdata/osv-excerpt"))) {
  const lines = readFileSync(file, "utf8").split("\n").filter(Boolean).slice(0, 4);
  for (const [i, line] of lines.entries())
    osvRecords.set(`${file.split("/").pop()}:${i + 1}`, Buffer.from(line));
}
const severityRecords = Corpus.fromCoreDir("advisory/testdata/severity");
const osvCorpus = new Corpus(osvRecords).with(severityRecords);

/** An OSV export zip of a few real records, as `<Ecosystem>/all.zip` holds them. */
const osvZip = buildZip(
  [...osvRecords].slice(0, 8).map(([name, data], i) => ({ name: `${name.split(":")[0]}-${i}.json`, data })),
).bytes;

/**
 * Runs a sync of `source` over `bytes` written to `fileName` to its end, checking each item
 * as the store and the matcher would use it.
 */
async function syncFile(source: AdvisorySource, fileName: string, bytes: Buffer): Promise<void> {
  const location = join(work, fileName);
  writeFileSync(location, bytes);
  const result = await source.sync({ location, fetch: offline, now: NOW });
  for await (const item of result.items) checkItem(source.name, item);
  result.cursor();
}

function checkItem(source: string, item: SyncItem): void {
  if (item.kind === "problem") {
    if (item.problem.location === "" || item.problem.reason === "") {
      throw new Error(`a problem that does not say where or why: ${JSON.stringify(item.problem)}`);
    }
    return;
  }
  if (item.kind !== "advisory") return;
  toAdvisory(item.record, source, NOW, item.upstreamUrl);
  for (const affected of item.record.affected ?? []) {
    const ecosystem = affected.package?.ecosystem;
    if (ecosystem === undefined) continue;
    let comparators: ReturnType<typeof rangeComparatorsFor>;
    try {
      comparators = rangeComparatorsFor(ecosystem);
    } catch (error) {
      if (error instanceof UnknownEcosystemError) continue;
      throw error;
    }
    const versions = (affected.ranges ?? []).flatMap((r) => r.events.flatMap((e) => Object.values(e)));
    for (const version of [...versions.slice(0, 6), "0", "1.0.0", "1:2.3-4"]) {
      if (typeof version === "string") evaluateAffected(affected, version, comparators);
    }
  }
}

const isSourceReadError = (error: unknown) => error instanceof SourceReadError;

describe("fuzz: advisory sources", () => {
  const osv = createOsvSource();
  fuzz({
    parser: "advisory osv (JSON record)",
    inputs: osvCorpus.plans({ json: true }),
    expected: isSourceReadError,
    run: (plan) => syncFile(osv, "record.json", osvCorpus.apply(plan)),
    runsScale: 2,
  });

  const osvZips = new Corpus(new Map([["osv all.zip", osvZip]]));
  fuzz({
    parser: "advisory osv (zip export)",
    inputs: osvZips.plans(),
    expected: isSourceReadError,
    run: (plan) => syncFile(osv, "all.zip", osvZips.apply(plan)),
  });

  const secdb = Corpus.fromCoreDir("advisory/sources/alpine-secdb/testdata");
  const alpine = createAlpineSecdbSource();
  fuzz({
    parser: "advisory alpine-secdb",
    inputs: secdb.plans({ json: true }),
    expected: isSourceReadError,
    run: (plan) => syncFile(alpine, "main.json", secdb.apply(plan)),
  });

  const tracker = Corpus.fromCoreFiles(["advisory/sources/debian-tracker/testdata/tracker.json"]);
  const debian = createDebianTrackerSource();
  fuzz({
    parser: "advisory debian-tracker",
    inputs: tracker.plans({ json: true }),
    expected: isSourceReadError,
    run: (plan) => syncFile(debian, "tracker.json", tracker.apply(plan)),
  });

  const kevCatalog = Corpus.fromCoreFiles([
    "advisory/sources/kev/testdata/known_exploited_vulnerabilities.json",
  ]);
  const kev = createKevSource();
  fuzz({
    parser: "advisory kev",
    inputs: kevCatalog.plans({ json: true }),
    expected: isSourceReadError,
    run: (plan) => syncFile(kev, "known_exploited_vulnerabilities.json", kevCatalog.apply(plan)),
  });

  const epssFiles = Corpus.fromCoreDir("advisory/sources/epss/testdata");
  const epss = createEpssSource();
  fuzz({
    parser: "advisory epss",
    inputs: epssFiles.plans(),
    expected: isSourceReadError,
    // Damaged bytes of the plain and the gzip file, and damaged text then compressed.
    run: async (plan) => {
      const bytes = epssFiles.apply(plan);
      await syncFile(epss, "epss_scores-2025-08-25.csv", bytes);
      if (bytes[0] !== 0x1f) await syncFile(epss, "epss_scores-2025-08-25.csv.gz", gzipSync(bytes));
    },
  });
});
