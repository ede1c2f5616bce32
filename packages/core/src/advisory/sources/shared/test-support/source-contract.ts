import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020Module from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { describe, expect, it } from "vitest";
import { ecosystemKey } from "../../../ecosystem-key.js";
import type { OsvRecord } from "../../../osv-record.js";
import type { AdvisorySource, SourceFetch, SyncInput, SyncItem, SyncProblem } from "../../../source.js";
import { SourceReadError } from "../read-location.js";

/** The fixed clock of every source test. */
export const TEST_NOW = "2025-09-01T00:00:00Z";

/** A fetch that fails the test if a source touches the network when it should not. */
export const offlineFetch: SourceFetch = async (url) => {
  throw new Error(`unexpected network access to ${url}`);
};

/** Everything one sync yielded, sorted by kind. */
export interface CollectedSync {
  readonly mode: "snapshot" | "incremental";
  readonly items: readonly SyncItem[];
  readonly advisories: readonly { readonly record: OsvRecord; readonly upstreamUrl?: string }[];
  readonly problems: readonly SyncProblem[];
  readonly kev: readonly Extract<SyncItem, { kind: "kev" }>[];
  readonly epss: readonly Extract<SyncItem, { kind: "epss" }>[];
  readonly cursor: string | undefined;
}

/** Run one sync to the end, as the store would. */
export async function collectSync(
  source: AdvisorySource,
  input: Partial<SyncInput> = {},
): Promise<CollectedSync> {
  const result = await source.sync({ fetch: offlineFetch, now: TEST_NOW, ...input });
  const items: SyncItem[] = [];
  for await (const item of result.items) items.push(item);
  return {
    mode: result.mode,
    items,
    advisories: items.flatMap((i) =>
      i.kind === "advisory" ? [{ record: i.record, upstreamUrl: i.upstreamUrl }] : [],
    ),
    problems: items.flatMap((i) => (i.kind === "problem" ? [i.problem] : [])),
    kev: items.flatMap((i) => (i.kind === "kev" ? [i] : [])),
    epss: items.flatMap((i) => (i.kind === "epss" ? [i] : [])),
    cursor: result.cursor(),
  };
}

// ajv and ajv-formats are CommonJS: under NodeNext the default import is `module.exports`,
// whose `default` property is the class / plugin.
const Ajv2020 = (Ajv2020Module as unknown as { default: typeof Ajv2020Module.default }).default;
const addFormats = (addFormatsModule as unknown as { default: typeof addFormatsModule.default }).default;
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
const validateOsv = ajv.compile(
  JSON.parse(readFileSync(join(import.meta.dirname, "../testdata/osv-schema.json"), "utf8")),
);

/** Schema errors of one record against the official OSV JSON schema (empty when valid). */
export function osvSchemaErrors(record: OsvRecord): string[] {
  const { id } = record;
  if (validateOsv(record)) return [];
  return (validateOsv.errors ?? []).map(
    (e: { instancePath: string; message?: string }) => `${id}${e.instancePath}: ${e.message}`,
  );
}

/** What {@link describeSourceContract} needs for one source. */
export interface SourceContractCase {
  /** A fresh source, configured for `location`. */
  readonly create: () => AdvisorySource;
  /** A local fixture the source reads without network. */
  readonly location: string;
  /** Every kind of item the fixture must produce (problems aside). */
  readonly yields: readonly ("advisory" | "kev" | "epss")[];
}

/**
 * The contract every advisory source runs (ARCHITECTURE.md section 3): a well-formed
 * identity, records that are valid OSV and keyed the way matching needs, deterministic
 * output, enrichment items that are well-formed, cancellation honoured, and an unreadable
 * location thrown as an error that names it (so the store writes nothing).
 */
export function describeSourceContract(title: string, contractCase: SourceContractCase): void {
  describe(`${title}: advisory source contract`, () => {
    it("has a kebab-case name, a positive integer version, ecosystems and a default location", () => {
      const source = contractCase.create();
      expect(source.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(Number.isInteger(source.version) && source.version > 0).toBe(true);
      expect(Array.isArray(source.ecosystems)).toBe(true);
      expect(source.defaultLocation).toMatch(/^https:\/\//);
    });

    it("yields valid OSV records, stamped, unique, sorted and keyed by ecosystem and release", async () => {
      const source = contractCase.create();
      const run = await collectSync(source, { location: contractCase.location });
      expect(run.mode).toBe("snapshot");
      for (const kind of contractCase.yields) expect(run.items.some((i) => i.kind === kind)).toBe(true);
      const ids = run.advisories.map((a) => a.record.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual([...ids].sort());
      for (const { record, upstreamUrl } of run.advisories) {
        expect(osvSchemaErrors(record)).toEqual([]);
        expect(record.modified).toBe(TEST_NOW);
        expect(upstreamUrl).toMatch(/^https:\/\//);
        expect(record.upstream?.length).toBeGreaterThan(0);
        for (const affected of record.affected ?? []) {
          const key = ecosystemKey(affected.package!.ecosystem);
          expect(source.ecosystems).toContain(key.base);
          expect(key.release).toBeTruthy();
          for (const range of affected.ranges ?? []) expect(range.events[0]).toEqual({ introduced: "0" });
        }
      }
      for (const problem of run.problems) {
        expect(problem.location).toBeTruthy();
        expect(problem.reason).toBeTruthy();
      }
      for (const kev of run.kev) {
        expect(kev.cve).toMatch(/^CVE-\d{4}-\d{4,}$/);
        expect(kev.dateAdded).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      }
      for (const epss of run.epss) {
        expect(epss.cve).toMatch(/^CVE-\d{4}-\d{4,}$/);
        expect(epss.score).toBeGreaterThanOrEqual(0);
        expect(epss.score).toBeLessThanOrEqual(1);
        expect(epss.percentile).toBeGreaterThanOrEqual(0);
        expect(epss.percentile).toBeLessThanOrEqual(1);
        expect(epss.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      }
    });

    it("is deterministic", async () => {
      const first = await collectSync(contractCase.create(), { location: contractCase.location });
      const second = await collectSync(contractCase.create(), { location: contractCase.location });
      expect(second.items).toEqual(first.items);
    });

    it("stops with the signal's reason when cancelled", async () => {
      const controller = new AbortController();
      const reason = new Error("cancelled by the test");
      controller.abort(reason);
      await expect(
        collectSync(contractCase.create(), { location: contractCase.location, signal: controller.signal }),
      ).rejects.toBe(reason);
    });

    it("throws an error naming an unreadable location", async () => {
      const missing = join(contractCase.location, "..", "no-such-location.json");
      const failure = collectSync(contractCase.create(), { location: missing });
      await expect(failure).rejects.toBeInstanceOf(SourceReadError);
      await expect(failure).rejects.toThrow(missing);
    });
  });
}
