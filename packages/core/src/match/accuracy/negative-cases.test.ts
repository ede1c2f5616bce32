/**
 * The matching rules that keep findings precise, each on a real image and real records: a binary
 * package is matched through its source package; another release's advisory is ignored; a fix
 * backported in the distribution (same upstream version, higher Debian revision) is not reported.
 * The premises (the advisory would apply if the rule were broken) are checked with dpkg and the
 * independent apk check, so a test cannot pass vacuously.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testEnv } from "../../../../../scripts/test-env/env.js";
import { readExpectedDpkg } from "../../../../../scripts/test-env/expected.js";
import type { OsvAffected, OsvRecord } from "../../advisory/osv-record.js";
import type { Match } from "../../model/match.js";
import { scanImage } from "../../scan/scan-image.js";
import {
  ALPINE_SECDB_DIR,
  loadAlpineAdvisories,
  loadDebianAdvisories,
  readDebianRecords,
} from "./test-support/advisories.js";
import { expectedAlpineFindings, readApkTsv, readSecdbDocuments } from "./test-support/apk-check.js";
import { dpkgLessThan, primaryId } from "./test-support/dpkg-check.js";

const env = testEnv();
const work = mkdtempSync(join(tmpdir(), "vigil-accuracy-neg-"));
let records: OsvRecord[];
let multilayer: Match[];
let alpine310: Match[];

beforeAll(async () => {
  records = readDebianRecords();
  const debian = await loadDebianAdvisories(work);
  const scan = await scanImage(`${env.registry}/vigil/multilayer:latest`, { advisories: debian.reader });
  expect(scan.status).toBe("complete");
  multilayer = [...(scan.matches?.matches ?? [])];
  const alpine = await loadAlpineAdvisories();
  const scan310 = await scanImage(`${env.registry}/vigil/alpine-3.10:latest`, { advisories: alpine.reader });
  expect(scan310.status).toBe("complete");
  alpine310 = [...(scan310.matches?.matches ?? [])];
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const has = (matches: readonly Match[], pkg: string, id: string) =>
  matches.some((m) => m.package.name === pkg && m.id === id);

/** Upstream part of a Debian version: without epoch and Debian revision. */
const upstream = (v: string) => v.replace(/^\d+:/, "").replace(/-[^-]*$/, "");

describe("a binary package is matched through its source package name", () => {
  it("libssl3 and libc6 are found through openssl and glibc, which no advisory calls them", () => {
    const names = new Set(records.flatMap((r) => (r.affected ?? []).map((a) => a.package?.name)));
    expect(names.has("libssl3")).toBe(false);
    expect(names.has("libc6")).toBe(false);
    // DEBIAN-CVE-2007-6755: openssl in Debian 12, no fix (introduced 0 only)
    const libssl3 = multilayer.find((m) => m.package.name === "libssl3" && m.id === "CVE-2007-6755");
    expect(libssl3).toMatchObject({
      matchedVia: "source",
      matchedName: "openssl",
      matchedVersion: "3.0.20-1~deb12u2",
      ecosystem: "Debian:12",
      status: "affected",
    });
    const libc6 = multilayer.filter((m) => m.package.name === "libc6");
    expect(libc6.length).toBeGreaterThan(0);
    for (const m of libc6)
      expect(m).toMatchObject({
        matchedVia: "source",
        matchedName: "glibc",
        matchedVersion: "2.36-9+deb12u14",
      });
  });

  it("apk binaries (libcrypto1.1, ssl_client) are found through their origins (openssl, busybox)", () => {
    const crypto = alpine310.filter((m) => m.package.name === "libcrypto1.1");
    const client = alpine310.filter((m) => m.package.name === "ssl_client");
    expect(crypto.length).toBeGreaterThan(0);
    expect(client.length).toBeGreaterThan(0);
    for (const m of crypto) expect(m).toMatchObject({ matchedVia: "source", matchedName: "openssl" });
    for (const m of client) expect(m).toMatchObject({ matchedVia: "source", matchedName: "busybox" });
  });
});

describe("another release's advisory is not reported", () => {
  it("Debian 10/11 entries that would affect the installed source version are ignored on Debian 12", () => {
    // Per installed package and record: an entry of another release that says "affected" (no
    // fix there, or dpkg puts the installed version below its fix) while Debian 12's entry, if
    // any, says "not affected".
    const installed = readExpectedDpkg(env, "multilayer");
    const fixedOf = (a: OsvAffected) => a.ranges?.[0]?.events.find((e) => e.fixed !== undefined)?.fixed;
    const cases: { binary: string; id: string; installed: string; own?: string; other?: string }[] = [];
    for (const record of records) {
      for (const pkg of installed) {
        const entries = (record.affected ?? []).filter((a) => a.package?.name === pkg.sourcePackage);
        const own = entries.filter((a) => a.package?.ecosystem === "Debian:12");
        const other = entries.filter((a) => a.package?.ecosystem !== "Debian:12");
        if (other.length === 0 || own.some((a) => fixedOf(a) === undefined)) continue;
        for (const a of other) {
          const ownFix = own.map(fixedOf)[0];
          const otherFix = fixedOf(a);
          cases.push({
            binary: pkg.package,
            id: primaryId(record),
            installed: pkg.sourceVersion,
            ...(ownFix ? { own: ownFix } : {}),
            ...(otherFix ? { other: otherFix } : {}),
          });
        }
      }
    }
    const lt = new Map<string, boolean>();
    const pairs = cases.flatMap((c) =>
      [c.own, c.other].flatMap((f) => (f ? [[c.installed, f] as const] : [])),
    );
    const answers = dpkgLessThan(pairs);
    for (const [i, pair] of pairs.entries()) lt.set(pair.join(" "), answers[i]!);
    const below = (installed: string, fixed: string) => lt.get(`${installed} ${fixed}`) === true;
    const wouldApply = cases.filter(
      (c) =>
        (c.own === undefined || !below(c.installed, c.own)) &&
        (c.other === undefined || below(c.installed, c.other)),
    );
    expect(wouldApply.length).toBeGreaterThan(0);
    for (const c of wouldApply) expect(has(multilayer, c.binary, c.id), `${c.binary} ${c.id}`).toBe(false);
  });

  it("v3.11 secdb entries are ignored on Alpine 3.10 (musl CVE-2019-14697: fixed in 1.1.22-r3 in v3.10, 1.1.23-r2 in v3.11)", () => {
    const installed = readApkTsv(join(env.expectedDir, "alpine-3.10.apk.tsv"));
    const secdb = readSecdbDocuments(ALPINE_SECDB_DIR);
    const own = expectedAlpineFindings({ secdb, release: "v3.10", installed });
    const other = expectedAlpineFindings({ secdb, release: "v3.11", installed });
    const onlyOther = [...other.keys()].filter((k) => !own.has(k));
    expect(onlyOther).toContain("musl\tCVE-2019-14697");
    for (const key of onlyOther) {
      const [pkg = "", id = ""] = key.split("\t");
      expect(has(alpine310, pkg, id), key).toBe(false);
    }
    for (const m of alpine310) expect(m.ecosystem).toBe("Alpine:v3.10");
  });
});

describe("a fix backported by the distribution is not reported", () => {
  it("libcurl4 7.88.1-10+deb12u15 against fixes in 7.88.1-1, -7 and -10 (same upstream version)", () => {
    const installed = readExpectedDpkg(env, "multilayer");
    const cases: { binary: string; id: string; installed: string; fixed: string }[] = [];
    for (const record of records) {
      for (const a of record.affected ?? []) {
        if (a.package?.ecosystem !== "Debian:12") continue;
        const fixed = a.ranges?.[0]?.events.find((e) => e.fixed !== undefined)?.fixed;
        if (!fixed) continue;
        for (const pkg of installed) {
          if (pkg.sourcePackage !== a.package.name || upstream(pkg.sourceVersion) !== upstream(fixed))
            continue;
          cases.push({ binary: pkg.package, id: primaryId(record), installed: pkg.sourceVersion, fixed });
        }
      }
    }
    // dpkg: the installed revision is at or past the fix
    expect(dpkgLessThan(cases.map((c) => [c.installed, c.fixed] as const))).toEqual(cases.map(() => false));
    expect(
      cases.some((c) => c.binary === "libcurl4" && c.id === "CVE-2023-28319" && c.fixed === "7.88.1-10"),
    ).toBe(true);
    expect(cases.length).toBeGreaterThan(5);
    for (const c of cases) expect(has(multilayer, c.binary, c.id), `${c.binary} ${c.id}`).toBe(false);
  });
});
