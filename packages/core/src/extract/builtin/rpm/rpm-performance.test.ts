/**
 * Timing of the extractor on real databases. The CBL-Mariner SQLite file (3.4 MiB, 129
 * packages, 2.3 MiB of headers mostly on overflow pages) takes about 2 ms warm on a laptop-class
 * CPU; the bound below leaves room for slow CI machines while still catching an accidental
 * quadratic walk or a per-row copy of the file.
 */
import { describe, expect, it } from "vitest";
import { createRpmExtractor } from "./index.js";
import { readTestdata } from "./test-support/fixtures.js";

const extractor = createRpmExtractor();

function medianMs(content: Buffer, runs: number): { median: number; first: number } {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    extractor.extract({
      path: "/var/lib/rpm/rpmdb.sqlite",
      content,
      info: { size: content.length, mode: 0o644 },
    });
    times.push(performance.now() - started);
  }
  const first = times[0]!;
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(runs / 2)]!, first };
}

describe("performance", () => {
  it.each([
    ["cbl-mariner-2.0/var/lib/rpm/rpmdb.sqlite", 50],
    ["sle15-bci/usr/lib/sysimage/rpm/Packages.db", 50],
    ["generated/Packages-le-page512", 20],
  ])("%s parses in milliseconds", (file, limitMs) => {
    const content = readTestdata(file);
    const { median, first } = medianMs(content, 30);
    console.info(`${file}: first run ${first.toFixed(2)} ms, median of 30 ${median.toFixed(2)} ms`);
    expect(median).toBeLessThan(limitMs);
  });
});
