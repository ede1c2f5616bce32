/**
 * Cross-check against the real thing: Debian's `rpm` (4.18; sqlite and read-only BerkeleyDB
 * backends, no ndb) reads each fixture and must list exactly what the extractor returns, field
 * by field, including the raw epoch, vendor and modularity label that the committed lists lack.
 *
 * `rpm` is part of the test environment (scripts/test.mjs and .ci/run install it), and a test
 * that needs the environment fails without it rather than skipping: a missing rpm is one clear
 * failure saying how to get it.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createRpmExtractor } from "./index.js";
import { DATABASE_FIXTURES, packageRows, readTestdata, testdataPath } from "./test-support/fixtures.js";

const probe = spawnSync("rpm", ["--version"], { encoding: "utf8" });
const rpmVersion = probe.status === 0 ? probe.stdout.trim() : undefined;
const QUERY_FORMAT = [
  "%{NAME}",
  "%{EPOCHNUM}",
  "%{VERSION}",
  "%{RELEASE}",
  "%{ARCH}",
  "%{SOURCERPM}",
  "%{LICENSE}",
  "%|EPOCH?{%{EPOCH}}:{}|",
  "%|VENDOR?{%{VENDOR}}:{}|",
  "%|MODULARITYLABEL?{%{MODULARITYLABEL}}:{}|",
].join("\\t");

const work = mkdtempSync(join(tmpdir(), "vigil-rpm-cross-check-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe(`cross-check with ${rpmVersion ?? "rpm"}`, () => {
  it("Debian's rpm is installed", () => {
    expect(
      rpmVersion,
      "the cross-check needs Debian's rpm: `apt-get install rpm` (npm test installs it when run as root)",
    ).toBeDefined();
  });

  const readable = DATABASE_FIXTURES.filter((f) => f.rpmCanRead);

  it.each(readable)("$name", (fixture) => {
    const dir = mkdtempSync(join(work, "db-"));
    const fileName = fixture.format === "sqlite" ? "rpmdb.sqlite" : "Packages";
    copyFileSync(testdataPath(fixture.database), join(dir, fileName));
    const backend = fixture.format === "sqlite" ? "sqlite" : "bdb_ro";
    const run = spawnSync(
      "rpm",
      ["--dbpath", dir, "--define", `_db_backend ${backend}`, "-qa", "--queryformat", `${QUERY_FORMAT}\\n`],
      { encoding: "utf8", env: { ...process.env, LC_ALL: "C.UTF-8" } },
    );
    expect(run.status, run.stderr).toBe(0);
    const fromRpm = run.stdout
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => line.split("\t"))
      .filter((row) => row[0] !== "gpg-pubkey")
      .map((row) => row.join("\t"))
      .sort();
    const content = readTestdata(fixture.database);
    const result = createRpmExtractor().extract({
      path: `/var/lib/rpm/${fileName}`,
      content,
      info: { size: content.length, mode: 0o644 },
    });
    if (result instanceof Promise) throw new Error("the rpm extractor is synchronous");
    expect(fromRpm.length).toBeGreaterThan(0);
    expect(packageRows(result.packages, 10).map((row) => row.join("\t"))).toEqual(fromRpm);
  });
});
