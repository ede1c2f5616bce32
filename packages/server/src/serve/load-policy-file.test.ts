import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DIALECTS, useTestDatabase } from "../db/test-support/test-databases.js";
import { createScanPolicyRepository } from "../store/scan-policy-repository.js";
import { loadPolicyFile, PolicyFileError } from "./load-policy-file.js";

const vigilPolicies = join(import.meta.dirname, "../scheduler/testdata/vigil-policies.yml");
const work = mkdtempSync(join(tmpdir(), "vigil-policy-file-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const now = new Date("2026-11-29T12:00:00Z");

describe.each(DIALECTS)("loadPolicyFile on %s", (dialect) => {
  const database = useTestDatabase(dialect);

  it("creates the file's policies, then replaces them by name on the next load", async () => {
    const first = await loadPolicyFile(database.current, vigilPolicies, now);
    expect(first.created).toEqual(["nightly-production", "staging-workdays", "second-monday"]);
    const repository = createScanPolicyRepository(database.current.db);
    const nightly = await repository.getByName("nightly-production");
    expect(nightly).toMatchObject({
      enabled: true,
      cadence: "30 2 * * *",
      timezone: "Europe/Berlin",
      clusters: ["prod-eu", "prod-us"],
      severityThreshold: "high",
      // 02:30 in Berlin (CET, UTC+1) after noon UTC on 29 November: the next night.
      nextRunAt: "2026-11-30T01:30:00.000Z",
    });
    expect((await repository.getByName("staging-workdays"))?.enabled).toBe(false);
    const again = await loadPolicyFile(database.current, vigilPolicies, now);
    expect(again).toMatchObject({
      created: [],
      updated: ["nightly-production", "staging-workdays", "second-monday"],
    });
    expect(await repository.list()).toHaveLength(3);
    expect((await repository.getByName("nightly-production"))?.id).toBe(nightly!.id);
  });

  it("refuses a file with errors, naming each line, and changes nothing", async () => {
    await loadPolicyFile(database.current, vigilPolicies, now);
    const bad = join(work, `bad-${dialect}.yml`);
    writeFileSync(
      bad,
      [
        "scan_execution_policy:",
        "  - name: nightly-production",
        "    rules:",
        "      - type: schedule",
        "        cadence: '61 * * * *'",
        "        clusters: [prod-eu]",
        "    actions:",
        "      - scan: cluster_image_scanning",
        "        severity_threshold: urgent",
        "",
      ].join("\n"),
    );
    const error = await loadPolicyFile(database.current, bad, now).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolicyFileError);
    const problems = (error as PolicyFileError).problems;
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(
      new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:5:\\d+: .*cadence`),
    );
    expect(problems[1]).toMatch(/:9:\d+: .*severity_threshold/);
    const repository = createScanPolicyRepository(database.current.db);
    expect((await repository.getByName("nightly-production"))?.cadence).toBe("30 2 * * *");
  });

  it("says which file it cannot read", async () => {
    await expect(loadPolicyFile(database.current, join(work, "missing.yml"), now)).rejects.toThrow(
      /missing\.yml has 1 error:\n {2}cannot read it: ENOENT/,
    );
  });
});
