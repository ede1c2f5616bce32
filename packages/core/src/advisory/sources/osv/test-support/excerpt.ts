/**
 * The real OSV records of testdata/osv-excerpt (30 per shared bulk export, chosen by
 * testdata/select-excerpt.py), and zips built from them the way OSV's export is laid out.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildZip, type ZipBuildEntry } from "../../../../archive/zip/test-support/zip-builder.js";

/** Export folder name of each excerpt file. */
export const EXCERPT_ECOSYSTEMS: Readonly<Record<string, string>> = {
  "crates-io": "crates.io",
  debian: "Debian",
  go: "Go",
  pypi: "PyPI",
  "red-hat": "Red Hat",
  ubuntu: "Ubuntu",
};

/** One member of an export, byte for byte. */
export interface ExcerptMember {
  readonly name: string;
  readonly content: string;
}

const dir = join(import.meta.dirname, "../testdata/osv-excerpt");

/** Ecosystem folder name → its excerpt members, in member-name order. */
export function readExcerpt(): ReadonlyMap<string, readonly ExcerptMember[]> {
  const out = new Map<string, ExcerptMember[]>();
  for (const file of readdirSync(dir).sort()) {
    const ecosystem = EXCERPT_ECOSYSTEMS[file.replace(/\.jsonl$/, "")];
    if (!ecosystem) continue;
    const members = readFileSync(join(dir, file), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as ExcerptMember);
    out.set(ecosystem, members);
  }
  return out;
}

/** An `all.zip` of members (deflated, as OSV's export is). */
export function exportZip(members: readonly ZipBuildEntry[]): Buffer {
  return buildZip(members).bytes;
}

/** Writes `<root>/<Ecosystem>/all.zip` for every excerpt ecosystem; returns the root. */
export function writeExcerptTree(root: string): string {
  for (const [ecosystem, members] of readExcerpt()) {
    mkdirSync(join(root, ecosystem), { recursive: true });
    writeFileSync(
      join(root, ecosystem, "all.zip"),
      exportZip(members.map((m) => ({ name: m.name, data: m.content }))),
    );
  }
  return root;
}
