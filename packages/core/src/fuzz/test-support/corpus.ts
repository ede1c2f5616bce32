import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import fc from "fast-check";
import { applyMutations, type ByteMutation, byteMutations } from "./byte-mutations.js";
import { applyJsonEdits, type JsonEdit, jsonEdits } from "./json-mutations.js";

/** What a fuzz input is: a fixture of the corpus and the damage done to it. */
export interface FuzzPlan {
  readonly fixture: string;
  readonly mutations?: readonly ByteMutation[];
  /** Structured edits, for JSON fixtures; applied before any byte mutations. */
  readonly edits?: readonly JsonEdit[];
}

/** The core package's `src` folder, where the fixtures live. */
export const CORE_SRC = join(import.meta.dirname, "..", "..");
/** The repository root (for `testdata/`). */
export const REPO_ROOT = join(CORE_SRC, "..", "..", "..");

/**
 * Real inputs of one parser, by name. Fuzz inputs are mutations of these (seeded with real
 * fixtures, as a coverage-guided fuzzer's corpus would be), so most of them get past the first
 * magic-number check and damage the structure behind it.
 */
export class Corpus {
  private readonly parsed = new Map<string, unknown>();

  constructor(private readonly fixtures: ReadonlyMap<string, Buffer>) {
    if (fixtures.size === 0) throw new Error("a corpus needs at least one fixture");
  }

  /** Files under `packages/core/src`, named by their path relative to it. */
  static fromCoreFiles(paths: readonly string[]): Corpus {
    return new Corpus(new Map(paths.map((p) => [p, readFileSync(join(CORE_SRC, p))])));
  }

  /** Files anywhere, named relative to the repository root. */
  static fromFiles(paths: readonly string[]): Corpus {
    return new Corpus(new Map(paths.map((p) => [relative(REPO_ROOT, p), readFileSync(p)])));
  }

  /** Every file under `dir` (relative to `packages/core/src`), except provenance notes. */
  static fromCoreDir(dir: string, keep: (path: string) => boolean = () => true): Corpus {
    return Corpus.fromCoreFiles(
      filesUnder(join(CORE_SRC, dir))
        .map((p) => relative(CORE_SRC, p))
        .filter(keep),
    );
  }

  /** This corpus and another, as one. */
  with(other: Corpus): Corpus {
    return new Corpus(new Map([...this.fixtures, ...other.fixtures]));
  }

  get names(): readonly string[] {
    return [...this.fixtures.keys()];
  }

  bytes(name: string): Buffer {
    const found = this.fixtures.get(name);
    if (!found) throw new Error(`no fixture ${name}`);
    return found;
  }

  /**
   * Inputs: byte mutations of any fixture, and with `json`, also structured edits of the
   * fixtures that are JSON documents (followed, now and then, by byte mutations).
   */
  plans(options: { readonly json?: boolean } = {}): fc.Arbitrary<FuzzPlan> {
    const fixture = fc.constantFrom(...this.names);
    const bytes = fc.record({ fixture, mutations: byteMutations });
    const jsonNames = options.json ? this.names.filter((n) => this.json(n) !== undefined) : [];
    if (jsonNames.length === 0) return bytes;
    const structured = fc.record(
      {
        fixture: fc.constantFrom(...jsonNames),
        edits: jsonEdits,
        mutations: fc.option(byteMutations, { nil: undefined, freq: 4 }),
      },
      { requiredKeys: ["fixture", "edits"] },
    );
    return fc.oneof(bytes, structured);
  }

  /** The bytes a plan stands for. */
  apply(plan: FuzzPlan): Buffer {
    let bytes = this.bytes(plan.fixture);
    if (plan.edits) {
      bytes = Buffer.from(applyJsonEdits(this.json(plan.fixture), plan.edits), "utf8");
    }
    if (plan.mutations) bytes = applyMutations(bytes, plan.mutations, [...this.fixtures.values()]);
    return bytes;
  }

  private json(name: string): unknown {
    if (!this.parsed.has(name)) {
      let value: unknown;
      try {
        value = JSON.parse(this.bytes(name).toString("utf8"));
      } catch {
        value = undefined;
      }
      this.parsed.set(name, value);
    }
    return this.parsed.get(name);
  }
}

/** Files under a directory, depth first in name order; `PROVENANCE.md` notes left out. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else if (name !== "PROVENANCE.md") out.push(path);
  }
  return out;
}
