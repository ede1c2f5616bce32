/**
 * Damaged input never makes the extractor throw, hang or invent packages: truncations at chosen
 * offsets of every fixture, then a property-style loop of seeded random damage.
 */
import { describe, expect, it } from "vitest";
import type { ExtractorResult } from "../../extractor.js";
import { createRpmExtractor } from "./index.js";
import {
  DATABASE_FIXTURES,
  packageRows,
  readRpmQa,
  readTestdata,
  seededRandom,
} from "./test-support/fixtures.js";

const extractor = createRpmExtractor();
/** Far above the few milliseconds a fixture takes; a loop that does not end would blow it. */
const TIME_LIMIT_MS = 2000;

function timedExtract(content: Buffer): { result: ExtractorResult; ms: number } {
  const started = performance.now();
  const result = extractor.extract({
    path: "/var/lib/rpm/Packages",
    content,
    info: { size: content.length, mode: 0o644 },
  });
  const ms = performance.now() - started;
  if (result instanceof Promise) throw new Error("the rpm extractor is synchronous");
  return { result, ms };
}

function expectWellFormed(result: ExtractorResult): void {
  for (const pkg of result.packages) {
    expect(pkg.type).toBe("rpm");
    expect(pkg.name).not.toBe("");
    expect(pkg.version).not.toBe("");
  }
  for (const issue of result.issues) {
    expect(issue.code).toMatch(/^rpm-[a-z-]+$/);
    expect(issue.message).not.toBe("");
  }
}

describe.each(DATABASE_FIXTURES)("$name", (fixture) => {
  const original = readTestdata(fixture.database);
  const width = 7;
  const expected = new Set(
    readRpmQa(fixture.expected)
      .filter((row) => row[0] !== "gpg-pubkey")
      .map((row) => row.slice(0, width).join("\t")),
  );

  it("truncated anywhere: issues, no crash, and only packages that really are there", () => {
    const length = original.length;
    const cuts = [
      1,
      4,
      15,
      16,
      17,
      99,
      100,
      101,
      511,
      512,
      513,
      4095,
      4096,
      4097,
      8192,
      length / 4,
      length / 2,
    ]
      .concat([length - 4097, length - 4096, length - 512, length - 100, length - 16, length - 1])
      .map(Math.floor)
      .filter((cut, i, all) => cut > 0 && cut < length && all.indexOf(cut) === i);
    for (const cut of cuts) {
      const { result, ms } = timedExtract(original.subarray(0, cut));
      expect(ms, `cut at ${cut}`).toBeLessThan(TIME_LIMIT_MS);
      expect(result.issues.length, `cut at ${cut}: a truncated file must say so`).toBeGreaterThan(0);
      expectWellFormed(result);
      // Truncation loses data but never changes it: every package returned is a real one.
      for (const row of packageRows(result.packages, width))
        expect(expected, `cut at ${cut}`).toContain(row.join("\t"));
    }
  });

  it("survives random damage (seeded; the seed is in the failure message)", () => {
    const iterations = original.length > 1_000_000 ? 60 : 150;
    for (let i = 0; i < iterations; i++) {
      const seed = 0x5eed0000 + i;
      const random = seededRandom(seed);
      const damaged = damage(original, random);
      const { result, ms } = timedExtract(damaged);
      expect(ms, `seed ${seed}`).toBeLessThan(TIME_LIMIT_MS);
      expectWellFormed(result);
    }
  });
});

/**
 * One of: a random truncation; a few random bit flips anywhere; bit flips in the first 4 KiB
 * (file header, metadata, slots, schema); random bytes over one structure-sized run; or a page
 * header area overwritten with 0xff (huge counts and offsets).
 */
function damage(original: Buffer, random: () => number): Buffer {
  const pick = (n: number) => Math.floor(random() * n);
  const kind = pick(5);
  if (kind === 0) return original.subarray(0, pick(original.length));
  const copy = Buffer.from(original);
  if (kind === 1 || kind === 2) {
    const span = kind === 1 ? copy.length : Math.min(copy.length, 4096);
    for (let flips = 1 + pick(8); flips > 0; flips--) {
      const at = pick(span);
      copy[at] = copy[at]! ^ (1 << pick(8));
    }
  } else if (kind === 3) {
    const at = pick(copy.length);
    for (let j = at; j < Math.min(copy.length, at + 1 + pick(64)); j++) copy[j] = pick(256);
  } else {
    const pageSize = [512, 4096][pick(2)]!;
    const page = pick(Math.max(1, Math.floor(copy.length / pageSize)));
    copy.fill(0xff, page * pageSize + pick(16), Math.min(copy.length, page * pageSize + 32));
  }
  return copy;
}
