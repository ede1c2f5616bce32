/**
 * Matching accuracy on the Alpine 3.10 / 3.11 test images: Vigil's findings from `scanImage`
 * (advisories from the `alpine-secdb` source over the secdb excerpt) must EQUAL what the
 * independent check (test-support/apk-check.py: apk-tools' version rules implemented again in
 * Python) computes from the same secdb documents, per binary package and id.
 */
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { testEnv } from "../../../../../scripts/test-env/env.js";
import type { Match } from "../../model/match.js";
import { scanImage } from "../../scan/scan-image.js";
import { ALPINE_SECDB_DIR, type LoadedAdvisories, loadAlpineAdvisories } from "./test-support/advisories.js";
import {
  apkCompare,
  expectedAlpineFindings,
  readApkTsv,
  readSecdbDocuments,
} from "./test-support/apk-check.js";

const env = testEnv();
let alpine: LoadedAdvisories;
beforeAll(async () => {
  alpine = await loadAlpineAdvisories();
});

describe("the independent apk comparison (apk-check.py)", () => {
  it("orders versions as apk-tools does", () => {
    // ascending pairs, from apk-tools' rules: components, letter, suffixes around the release, -rN
    const ascending: [string, string][] = [
      ["1.0", "1.0.1"],
      ["1.0_alpha", "1.0_beta"],
      ["1.0_beta2", "1.0_pre1"],
      ["1.0_rc1", "1.0"],
      ["1.0", "1.0_p1"],
      ["1.0_cvs", "1.0_git"],
      ["1.0", "1.0a"],
      ["1.0a", "1.0b"],
      ["1.0-r1", "1.0-r2"],
      ["1.0-r9", "1.0-r10"],
      ["1.1.1d-r2", "1.1.1d-r3"],
      ["1.1.1d-r3", "1.1.1g-r0"],
      ["1.2.9", "1.2.11"],
      ["1.01", "1.1"],
      ["1.30.1-r5", "1.31.1-r9"],
      ["2.9", "2.10"],
    ];
    expect(apkCompare(ascending)).toEqual(ascending.map(() => -1));
    expect(apkCompare(ascending.map(([a, b]) => [b, a]))).toEqual(ascending.map(() => 1));
    expect(apkCompare([["1.1.1d-r2", "1.1.1d-r2"]])).toEqual([0]);
  });
});

describe("Alpine images: Vigil equals the independent apk check over the same secdb", () => {
  it("the secdb excerpt imports without problems", () => {
    expect(alpine.problems).toEqual([]);
    expect(alpine.advisories.length).toBeGreaterThan(30);
  });

  for (const [tag, release] of [
    ["alpine-3.10", "v3.10"],
    ["alpine-3.11", "v3.11"],
  ] as const) {
    it(`${tag} (secdb ${release}) from the registry`, async () => {
      const installed = readApkTsv(join(env.expectedDir, `${tag}.apk.tsv`));
      const truth = expectedAlpineFindings({
        secdb: readSecdbDocuments(ALPINE_SECDB_DIR),
        release,
        installed,
      });
      const result = await scanImage(`${env.registry}/vigil/${tag}:latest`, { advisories: alpine.reader });
      expect(result.status).toBe("complete");
      expect(result.matches?.osEcosystem).toBe(`Alpine:${release}`);
      expect(result.matches?.issues ?? []).toEqual([]);
      const vigil = new Map<string, Match>();
      for (const m of result.matches?.matches ?? []) vigil.set(`${m.package.name}\t${m.id}`, m);
      const onlyVigil = [...vigil.keys()].filter((k) => !truth.has(k)).sort();
      const onlyTruth = [...truth.keys()].filter((k) => !vigil.has(k)).sort();
      expect({ onlyVigil, onlyTruth }).toEqual({ onlyVigil: [], onlyTruth: [] });
      expect(truth.size).toBeGreaterThan(5);
      for (const [key, m] of vigil) {
        expect(m.fixedVersion, key).toBe(truth.get(key)!.fixed);
        expect(m.ecosystem, key).toBe(`Alpine:${release}`);
      }
    });
  }
});
