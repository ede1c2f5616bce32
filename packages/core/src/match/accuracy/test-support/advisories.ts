/**
 * The accuracy tests' advisory data (testdata/, chosen by testdata/select-advisories.py): the raw
 * records for the independent checks, and Vigil's readers over the same data built the way
 * production builds them (the `osv` and `alpine-secdb` sources, `toAdvisory`).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import type { Advisory } from "../../../advisory/advisory.js";
import { createMemoryAdvisoryReader } from "../../../advisory/memory-advisory-reader.js";
import type { OsvRecord } from "../../../advisory/osv-record.js";
import type { SyncProblem } from "../../../advisory/source.js";
import { createAlpineSecdbSource } from "../../../advisory/sources/alpine-secdb/index.js";
import { createOsvSource } from "../../../advisory/sources/osv/index.js";
import type { AdvisoryReader } from "../../../advisory/store.js";
import { toAdvisory } from "../../../advisory/to-advisory.js";
import { buildZip } from "../../../archive/zip/test-support/zip-builder.js";

/** The accuracy tests' testdata folder. */
export const ACCURACY_TESTDATA = join(import.meta.dirname, "../testdata");

/** The Alpine secdb excerpt: `<release>/<repository>.json` as secdb.alpinelinux.org lays it out. */
export const ALPINE_SECDB_DIR = join(ACCURACY_TESTDATA, "alpine-secdb");

/** Fixed sync time, so the records are the same on every run. */
export const SYNC_TIME = "2025-06-01T00:00:00Z";

/** One member of the Debian OSV export excerpt, byte for byte. */
export interface ExportMember {
  readonly name: string;
  readonly content: string;
}

/** The Debian OSV export excerpt (testdata/debian-osv.jsonl.gz), in member-name order. */
export function readDebianMembers(): ExportMember[] {
  const text = gunzipSync(readFileSync(join(ACCURACY_TESTDATA, "debian-osv.jsonl.gz"))).toString("utf8");
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ExportMember);
}

/** The raw Debian OSV records (parsed with JSON.parse only; no Vigil code involved). */
export function readDebianRecords(): OsvRecord[] {
  return readDebianMembers().map((m) => JSON.parse(m.content) as OsvRecord);
}

/** Advisories and the problems their source reported. */
export interface LoadedAdvisories {
  readonly advisories: readonly Advisory[];
  readonly problems: readonly SyncProblem[];
  readonly reader: AdvisoryReader;
}

async function load(
  source: ReturnType<typeof createOsvSource>,
  location: string,
  name: string,
): Promise<LoadedAdvisories> {
  const result = await source.sync({ location, now: SYNC_TIME, fetch });
  const advisories: Advisory[] = [];
  const problems: SyncProblem[] = [];
  for await (const item of result.items) {
    if (item.kind === "advisory") advisories.push(toAdvisory(item.record, name, SYNC_TIME, item.upstreamUrl));
    else if (item.kind === "problem") problems.push(item.problem);
  }
  return { advisories, problems, reader: createMemoryAdvisoryReader({ advisories }) };
}

/**
 * The Debian excerpt as production reads it: written as an OSV `all.zip` into `workDir`, read
 * by the `osv` source, stored with `toAdvisory`, served by the memory reader (indexed as the
 * database store indexes).
 */
export async function loadDebianAdvisories(workDir: string): Promise<LoadedAdvisories> {
  const dir = join(workDir, "osv", "Debian");
  mkdirSync(dir, { recursive: true });
  const zip = join(dir, "all.zip");
  writeFileSync(zip, buildZip(readDebianMembers().map((m) => ({ name: m.name, data: m.content }))).bytes);
  return load(createOsvSource({ ecosystems: ["Debian"] }), zip, "osv");
}

/** The Alpine secdb excerpt as production reads it: the `alpine-secdb` source over the directory. */
export async function loadAlpineAdvisories(): Promise<LoadedAdvisories> {
  return load(createAlpineSecdbSource(), ALPINE_SECDB_DIR, "alpine-secdb");
}
