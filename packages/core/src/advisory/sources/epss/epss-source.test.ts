import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { SourceReadError } from "../shared/read-location.js";
import { type LoopbackServer, startLoopbackServer } from "../shared/test-support/loopback-server.js";
import { collectSync, describeSourceContract, TEST_NOW } from "../shared/test-support/source-contract.js";
import { createEpssSource } from "./epss-source.js";

const testdata = join(import.meta.dirname, "testdata");
const gz = join(testdata, "epss_scores-2025-08-25.csv.gz");
const plain = join(testdata, "epss_scores-2025-08-25.csv");

describeSourceContract("epss", { create: () => createEpssSource(), location: gz, yields: ["epss"] });

/** Independent reading of the plain fixture: its data rows as `cve score percentile`. */
function grepRows(): string[] {
  return readFileSync(plain, "utf8")
    .split("\n")
    .filter((l) => l.startsWith("CVE-"))
    .map((l) => l.split(",").join(" "));
}

describe("epss", () => {
  it("reads the gzip file and the plain one alike, dated by the file's score date", async () => {
    const packed = await collectSync(createEpssSource(), { location: gz });
    const unpacked = await collectSync(createEpssSource(), { location: plain });
    expect(packed.items).toEqual(unpacked.items);
    expect(packed.epss.map((e) => `${e.cve} ${e.score} ${e.percentile}`)).toEqual(
      grepRows().map((r) =>
        r
          .split(" ")
          .map((f, i) => (i === 0 ? f : String(Number(f))))
          .join(" "),
      ),
    );
    expect(packed.epss.find((e) => e.cve === "CVE-2024-3094")).toEqual({
      kind: "epss",
      cve: "CVE-2024-3094",
      score: 0.84952,
      percentile: 0.99319,
      date: "2025-08-25",
    });
    expect(packed.problems).toEqual([]);
    expect(packed.cursor).toBe("2025-08-25");
  });

  it("reports bad rows with their line numbers and keeps the good ones", async () => {
    const location = join(testdata, "epss-bad-rows.csv");
    const run = await collectSync(createEpssSource(), { location });
    expect(run.epss.map((e) => [e.cve, e.score, e.percentile])).toEqual([
      ["CVE-2024-3094", 0.84952, 0.99319],
      ["CVE-2024-0005", 0.00043, 0.1],
    ]);
    expect(run.problems).toEqual([
      { location: `${location}:4`, reason: 'line 4: "CVE-2024-XXXX" is not a CVE id; skipped' },
      {
        id: "CVE-2024-0001",
        location: `${location}:5`,
        reason: 'line 5: epss "abc" is not a number from 0 to 1; skipped',
      },
      {
        id: "CVE-2024-0002",
        location: `${location}:6`,
        reason: 'line 6: epss "1.5" is not a number from 0 to 1; skipped',
      },
      { location: `${location}:7`, reason: "line 7: expected 3 fields, found 2; skipped" },
      {
        id: "CVE-2024-3094",
        location: `${location}:9`,
        reason: "line 9: CVE-2024-3094 is listed twice; the first row is kept; skipped",
      },
      {
        id: "CVE-2024-0004",
        location: `${location}:10`,
        reason: 'line 10: percentile "1.2" is not a number from 0 to 1; skipped',
      },
    ]);
  });

  it("dates scores from the file name, else the sync day, when the comment line is missing, and says so", async () => {
    const run = await collectSync(createEpssSource(), { location: join(testdata, "epss-no-metadata.csv") });
    expect(run.epss.map((e) => e.date)).toEqual([TEST_NOW.slice(0, 10)]);
    expect(run.problems.map((p) => p.reason)).toEqual([
      `no #score_date line before the header; scores are dated ${TEST_NOW.slice(0, 10)}, the day of the sync`,
    ]);
    expect(run.cursor).toBeUndefined();
  });

  it("throws, naming the file, when it is not an EPSS file", async () => {
    const location = join(testdata, "PROVENANCE.md");
    const failure = collectSync(createEpssSource(), { location });
    await expect(failure).rejects.toBeInstanceOf(SourceReadError);
    await expect(failure).rejects.toThrow(
      `${location} is not an EPSS score file: line 3 should be the header`,
    );
    await expect(
      collectSync(createEpssSource(), { location: join(testdata, "../index.ts") }),
    ).rejects.toThrow(/is not an EPSS score file/);
  });
});

describe("epss over HTTP (loopback server, real fetch)", () => {
  let server: LoopbackServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("reads the gzip file as FIRST serves it, dating rows by the comment line", async () => {
    server = await startLoopbackServer({ "/epss_scores-current.csv.gz": { body: readFileSync(gz) } });
    const remote = await collectSync(createEpssSource(), {
      location: `${server.url}/epss_scores-current.csv.gz`,
      fetch,
    });
    const local = await collectSync(createEpssSource(), { location: gz });
    expect(remote.items).toEqual(local.items);
  });

  it("throws, naming the URL, when the connection is cut mid-body", async () => {
    // Large enough that the cut falls well inside the compressed body.
    const rows = Array.from({ length: 20_000 }, (_, i) => `CVE-2024-${String(10000 + i)},0.001,0.5`).join(
      "\n",
    );
    const body = gzipSync(
      `#model_version:v2025.03.14,score_date:2025-08-25T00:00:00+0000\ncve,epss,percentile\n${rows}\n`,
    );
    server = await startLoopbackServer({ "/epss.csv.gz": { body, cutAfter: Math.floor(body.length / 2) } });
    const failure = collectSync(createEpssSource(), { location: `${server.url}/epss.csv.gz`, fetch });
    await expect(failure).rejects.toBeInstanceOf(SourceReadError);
    await expect(failure).rejects.toThrow(`${server.url}/epss.csv.gz`);
  });

  it("throws on a gzip stream cut short but served as if complete", async () => {
    const body = readFileSync(gz);
    server = await startLoopbackServer({ "/epss.csv.gz": { body: body.subarray(0, body.length - 12) } });
    await expect(
      collectSync(createEpssSource(), { location: `${server.url}/epss.csv.gz`, fetch }),
    ).rejects.toThrow(`could not decompress ${server.url}/epss.csv.gz`);
  });
});
