/**
 * Matching accuracy on the Debian bookworm test images: Vigil's findings from `scanImage` (the
 * image read from the registry, advisories from the `osv` source over the Debian export
 * excerpt) must EQUAL what the independent check computes from the same records with the real
 * `dpkg --compare-versions` (test-support/dpkg-check.ts), per binary package and primary CVE.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testEnv } from "../../../../../scripts/test-env/env.js";
import { readExpectedDpkg } from "../../../../../scripts/test-env/expected.js";
import { pushImage, type RunningRegistry, startRegistry } from "../../../../../scripts/test-env/registry.js";
import type { OsvRecord } from "../../advisory/osv-record.js";
import type { Match } from "../../model/match.js";
import { scanImage } from "../../scan/scan-image.js";
import { type LoadedAdvisories, loadDebianAdvisories, readDebianRecords } from "./test-support/advisories.js";
import {
  dpkgQueryStatus,
  type ExpectedFinding,
  expectedDebianFindings,
  type InstalledDeb,
} from "./test-support/dpkg-check.js";
import { buildStatusLayerImage, readDpkgStatus, rewriteStatus } from "./test-support/older-image.js";

const env = testEnv();
const work = mkdtempSync(join(tmpdir(), "vigil-accuracy-deb-"));
let debian: LoadedAdvisories;
let records: OsvRecord[];
const registries: RunningRegistry[] = [];

beforeAll(async () => {
  debian = await loadDebianAdvisories(work);
  records = readDebianRecords();
});
afterAll(async () => {
  await Promise.all(registries.map((r) => r.stop()));
  rmSync(work, { recursive: true, force: true });
});

/** Vigil's OS findings for an image, keyed like the independent check's. */
async function vigilFindings(reference: string): Promise<Map<string, Match>> {
  const result = await scanImage(reference, { advisories: debian.reader });
  expect(result.error).toBeUndefined();
  expect(result.status).toBe("complete");
  expect(result.matches?.osEcosystem).toBe("Debian:12");
  // Every version compared: an incomparable one would silently shrink both sides.
  expect(result.matches?.issues ?? []).toEqual([]);
  const out = new Map<string, Match>();
  for (const m of result.matches?.matches ?? []) {
    if (m.package.type !== "deb") continue;
    const key = `${m.package.name}\t${m.id}`;
    expect(out.has(key), `duplicate finding ${key}`).toBe(false);
    out.set(key, m);
  }
  return out;
}

function compare(vigil: ReadonlyMap<string, Match>, truth: ReadonlyMap<string, ExpectedFinding>): void {
  const onlyVigil = [...vigil.keys()].filter((k) => !truth.has(k)).sort();
  const onlyTruth = [...truth.keys()].filter((k) => !vigil.has(k)).sort();
  expect({ onlyVigil, onlyTruth }).toEqual({ onlyVigil: [], onlyTruth: [] });
  expect([...vigil.keys()].sort()).toEqual([...truth.keys()].sort());
  // Same fix: Vigil's fixed version is the record's (one record per CVE and source here).
  for (const [key, m] of vigil) expect(m.fixedVersion, key).toBe(truth.get(key)!.fixed);
}

describe("Debian bookworm images: Vigil equals dpkg --compare-versions over the same records", () => {
  it("the advisory excerpt imports without problems", () => {
    expect(debian.problems).toEqual([]);
    expect(debian.advisories.length).toBe(records.length);
  });

  for (const tag of ["minbase", "python", "multilayer"] as const) {
    it(`${tag} from the registry`, async () => {
      const installed: InstalledDeb[] = readExpectedDpkg(env, tag);
      const truth = expectedDebianFindings(installed, records);
      const vigil = await vigilFindings(`${env.registry}/vigil/${tag}:latest`);
      expect(truth.size).toBeGreaterThan(50);
      compare(vigil, truth);
    });
  }

  it("multilayer with older openssl, curl and glibc (a status layer on top): fixed advisories match too", async () => {
    // Lower than bookworm's versions, so that fixes in the export apply: openssl < 3.0.9-1
    // (CVE-2023-0464 ...); curl 7.88.1-8 is past 7.88.1-7 (CVE-2023-27533 ... fixed) but before
    // 7.88.1-10 (CVE-2023-28319 ...); glibc < 2.33-3 / 2.33-4 (CVE-2022-23218, CVE-2021-3998 ...).
    const rewrites = {
      openssl: "3.0.8-1",
      libssl3: "3.0.8-1",
      libcurl4: "7.88.1-8",
      libc6: "2.33-1",
      "libc-bin": "2.33-1",
    };
    const status = rewriteStatus(readDpkgStatus(env.ociLayoutDir, "multilayer"), rewrites);
    const layout = buildStatusLayerImage({
      layoutDir: env.ociLayoutDir,
      tag: "multilayer",
      newTag: "older",
      status,
      workDir: work,
    });
    const registry = await startRegistry();
    registries.push(registry);
    await pushImage(`${layout}:older`, `${registry.host}/vigil/older:latest`);

    const installed = dpkgQueryStatus(status, work);
    for (const [name, version] of Object.entries(rewrites))
      expect(installed.find((p) => p.package === name)?.sourceVersion, name).toBe(version);
    const truth = expectedDebianFindings(installed, records);
    const vigil = await vigilFindings(`${registry.host}/vigil/older:latest`);
    compare(vigil, truth);

    const fixed = [...vigil.values()].filter((m) => m.status === "fixed");
    expect(fixed.length).toBeGreaterThan(10);
    expect(vigil.get("libssl3\tCVE-2023-0464")).toMatchObject({
      status: "fixed",
      fixedVersion: "3.0.9-1",
      matchedVia: "source",
      matchedName: "openssl",
      matchedVersion: "3.0.8-1",
    });
    expect(vigil.get("libc6\tCVE-2022-23218")).toMatchObject({ status: "fixed", fixedVersion: "2.33-3" });
    expect(vigil.get("libcurl4\tCVE-2023-28319")).toMatchObject({
      status: "fixed",
      fixedVersion: "7.88.1-10",
    });
    // Same upstream version 7.88.1, higher Debian revision than the fix (-8 > -7): not reported.
    expect(vigil.has("libcurl4\tCVE-2023-27533")).toBe(false);
    expect(truth.has("libcurl4\tCVE-2023-27533")).toBe(false);
  });
});
