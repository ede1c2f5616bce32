import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Match } from "../model/match.js";
import { IMAGE, vulnerableImage } from "../report/test-support/vulnerable-image.js";
import { applySuppressions, type SuppressionResult } from "./apply-suppressions.js";
import type { IgnoreRule } from "./ignore-rule.js";
import { parseIgnoreFile } from "./parse-ignore-file.js";
import { parseVex } from "./parse-vex.js";
import type { VexStatement } from "./vex-statement.js";

const testdata = (name: string) => readFileSync(join(import.meta.dirname, "testdata", name), "utf8");
const now = new Date("2026-01-02T03:04:05Z");

let matches: readonly Match[];
beforeAll(async () => {
  matches = (await vulnerableImage()).matches;
});

const rule = (fields: Partial<IgnoreRule> & { id: string }): IgnoreRule => ({
  reason: "accepted",
  dismissal: "acceptable_risk",
  source: { file: "t.yaml", line: 1 },
  ...fields,
});
const statement = (fields: Partial<VexStatement> & { vulnerability: string }): VexStatement => ({
  format: "openvex",
  aliases: [],
  products: [],
  status: "not_affected",
  originalStatus: fields.status ?? "not_affected",
  justification: "vulnerable_code_not_present",
  source: { file: "v.json", pointer: "/statements/0", index: 0 },
  ...fields,
});
/** `id package` of the suppressed matches, with what suppressed them. */
const summary = (result: SuppressionResult) =>
  result.suppressed.map((s) => `${s.match.id} ${s.match.package.name} <- ${s.by.kind}`).sort();
const kept = (result: SuppressionResult) => result.kept.map((m) => `${m.id} ${m.package.name}`).sort();

describe("applySuppressions with the example files", () => {
  const inputs = () => {
    const ignore = parseIgnoreFile(testdata(".vigilignore.yaml"), ".vigilignore.yaml");
    const openvex = parseVex(testdata("shop-api.openvex.json"), "shop-api.openvex.json");
    const cdx = parseVex(testdata("shop-api.vex.cdx.json"), "shop-api.vex.cdx.json");
    expect([...ignore.problems, ...openvex.problems, ...cdx.problems]).toEqual([]);
    return { ignoreRules: ignore.rules, vex: [...openvex.statements, ...cdx.statements] };
  };

  it("suppresses through OpenVEX, CycloneDX VEX and ignore rules, and returns expired rules", () => {
    const result = applySuppressions({ matches, ...inputs(), now, image: IMAGE });
    expect(summary(result)).toEqual([
      "CVE-2019-10744 lodash <- vex", // under_investigation, then fixed a day later (by its GHSA alias)
      "CVE-2022-3715 bash <- ignore", // the CycloneDX statement is in_triage: the rule decides
      "CVE-2023-45853 zlib1g <- vex", // false_positive, ref resolved through a component
      "CVE-2023-4911 libc6 <- vex", // not_affected for this image's libc6
      "CVE-2023-5678 libssl3 <- vex", // not_affected, BOM-Link ref
    ]);
    // openssl: the OpenVEX statement says affected, and the DSA rule only names libssl3.
    expect(kept(result)).toEqual(["CVE-2023-5678 openssl"]);
    expect(result.expiredRules.map((r) => r.id)).toEqual(["GHSA-jf85-cpcp-j695"]);

    const libc = result.suppressed.find((s) => s.match.package.name === "libc6")!;
    expect(libc.by).toMatchObject({
      kind: "vex",
      reason:
        "not_affected: vulnerable_code_not_in_execute_path (The image runs no setuid or setgid binaries, so GLIBC_TUNABLES is never processed with elevated privileges.)",
    });
    const bash = result.suppressed.find((s) => s.match.package.name === "bash")!;
    expect(bash.by).toMatchObject({ kind: "ignore", rule: { id: "CVE-2022-3715", source: { line: 4 } } });
  });

  it("stops applying a rule on its expiry date and reports it", () => {
    const result = applySuppressions({
      matches,
      ...inputs(),
      now: new Date("2026-06-30T00:00:00Z"),
      image: IMAGE,
    });
    expect(kept(result)).toEqual(["CVE-2022-3715 bash", "CVE-2023-5678 openssl"]);
    expect(result.expiredRules.map((r) => `${r.id}:${r.source.line}`)).toEqual([
      "CVE-2022-3715:4",
      "GHSA-jf85-cpcp-j695:17",
    ]);
  });

  it("applies image-scoped statements only to the image they name", () => {
    const other = { ...IMAGE, manifestDigest: `sha256:${"0".repeat(64)}`, indexDigest: undefined };
    const result = applySuppressions({ matches, vex: inputs().vex, now, image: other });
    // The libc6 statement names the image by digest: not this one. The lodash one names it by name only.
    expect(summary(result)).not.toContain("CVE-2023-4911 libc6 <- vex");
    expect(summary(result)).toContain("CVE-2019-10744 lodash <- vex");
    const renamed = { ...IMAGE, repository: "registry.example.com/shop/web" };
    expect(summary(applySuppressions({ matches, vex: inputs().vex, now, image: renamed }))).not.toContain(
      "CVE-2019-10744 lodash <- vex",
    );
    // The index digest designates the image too.
    const byIndex = {
      ...IMAGE,
      manifestDigest: `sha256:${"1".repeat(64)}`,
      indexDigest: IMAGE.manifestDigest,
    };
    expect(summary(applySuppressions({ matches, vex: inputs().vex, now, image: byIndex }))).toContain(
      "CVE-2023-4911 libc6 <- vex",
    );
  });
});

describe("ignore rules", () => {
  const apply = (...ignoreRules: IgnoreRule[]) => applySuppressions({ matches, ignoreRules, now });

  it("match by id or any alias, case-insensitively", () => {
    expect(summary(apply(rule({ id: "ghsa-jf85-cpcp-j695" })))).toEqual(["CVE-2019-10744 lodash <- ignore"]);
    expect(summary(apply(rule({ id: "DEBIAN-CVE-2023-4911" })))).toEqual(["CVE-2023-4911 libc6 <- ignore"]);
    expect(summary(apply(rule({ id: "CVE-2099-0001" })))).toEqual([]);
  });

  it("narrow by binary or source package name, or purl prefix at a boundary", () => {
    expect(summary(apply(rule({ id: "CVE-2023-5678", package: "openssl" })))).toEqual([
      "CVE-2023-5678 libssl3 <- ignore", // source package openssl
      "CVE-2023-5678 openssl <- ignore",
    ]);
    expect(summary(apply(rule({ id: "CVE-2023-5678", package: "libssl3" })))).toEqual([
      "CVE-2023-5678 libssl3 <- ignore",
    ]);
    expect(summary(apply(rule({ id: "CVE-2019-10744", package: "pkg:npm/lodash" })))).toHaveLength(1);
    expect(summary(apply(rule({ id: "CVE-2019-10744", package: "pkg:npm/lodash@4.17.11" })))).toHaveLength(1);
    expect(summary(apply(rule({ id: "CVE-2019-10744", package: "pkg:npm/lodash@4.17" })))).toEqual([]);
    expect(summary(apply(rule({ id: "CVE-2019-10744", package: "pkg:npm/lod" })))).toEqual([]);
    expect(summary(apply(rule({ id: "CVE-2019-10744", package: "pkg:npm/" })))).toHaveLength(1);
  });

  it("narrow by a glob on the package's file path", () => {
    expect(summary(apply(rule({ id: "CVE-2019-10744", path: "/app/**" })))).toHaveLength(1);
    expect(summary(apply(rule({ id: "CVE-2019-10744", path: "/srv/**" })))).toEqual([]);
    expect(summary(apply(rule({ id: "CVE-2023-5678", path: "var/lib/dpkg/status" })))).toHaveLength(2);
    // A rule built by hand with a bad glob matches nothing rather than everything.
    expect(summary(apply(rule({ id: "CVE-2019-10744", path: "/app/{x" })))).toEqual([]);
  });

  it("the first matching rule wins", () => {
    const result = apply(
      rule({ id: "CVE-2019-10744", reason: "first", source: { file: "a", line: 1 } }),
      rule({ id: "CVE-2019-10744", reason: "second", source: { file: "a", line: 5 } }),
    );
    expect(result.suppressed[0]!.by.reason).toBe("first");
  });
});

describe("VEX statements", () => {
  const apply = (...vex: VexStatement[]) => applySuppressions({ matches, vex, now, image: IMAGE });

  it("a statement without products applies to every package with the vulnerability", () => {
    expect(summary(apply(statement({ vulnerability: "CVE-2023-5678" })))).toEqual([
      "CVE-2023-5678 libssl3 <- vex",
      "CVE-2023-5678 openssl <- vex",
    ]);
  });

  it("only not_affected and fixed suppress", () => {
    for (const status of ["affected", "under_investigation"] as const)
      expect(summary(apply(statement({ vulnerability: "CVE-2023-5678", status })))).toEqual([]);
    expect(summary(apply(statement({ vulnerability: "CVE-2023-5678", status: "fixed" })))).toHaveLength(2);
  });

  it("the latest statement wins; equal times keep document order", () => {
    const at = (time: string, status: VexStatement["status"], index: number) =>
      statement({
        vulnerability: "CVE-2019-10744",
        status,
        timestamp: time,
        source: { file: "v", pointer: `/statements/${index}`, index },
      });
    expect(
      summary(
        apply(at("2024-02-01T00:00:00Z", "affected", 0), at("2024-01-01T00:00:00Z", "not_affected", 1)),
      ),
    ).toEqual([]);
    expect(
      summary(
        apply(at("2024-01-01T00:00:00Z", "affected", 0), at("2024-02-01T00:00:00Z", "not_affected", 1)),
      ),
    ).toHaveLength(1);
    expect(
      summary(
        apply(at("2024-01-01T00:00:00Z", "not_affected", 0), at("2024-01-01T00:00:00Z", "affected", 1)),
      ),
    ).toEqual([]);
  });

  it("products scope statements to packages by purl: version and qualifiers only when given", () => {
    const about = (purl: string) =>
      summary(apply(statement({ vulnerability: "CVE-2023-5678", products: [{ purl, subcomponents: [] }] })));
    expect(about("pkg:deb/debian/libssl3")).toEqual(["CVE-2023-5678 libssl3 <- vex"]);
    expect(about("pkg:deb/debian/libssl3@3.0.11-1~deb12u1?arch=amd64")).toHaveLength(1);
    expect(about("pkg:deb/debian/libssl3@3.0.11-1~deb12u2")).toEqual([]);
    expect(about("pkg:deb/debian/libssl3?arch=arm64")).toEqual([]);
    expect(about("pkg:deb/ubuntu/libssl3")).toEqual([]);
    expect(about("not a purl")).toEqual([]);
    // An image product without subcomponents covers every package of that image.
    expect(about("pkg:oci/api")).toHaveLength(2);
    expect(about("pkg:oci/web")).toEqual([]);
  });

  it("VEX is consulted before ignore rules", () => {
    const result = applySuppressions({
      matches,
      ignoreRules: [rule({ id: "CVE-2019-10744" })],
      vex: [statement({ vulnerability: "CVE-2019-10744" })],
      now,
    });
    expect(summary(result)).toEqual(["CVE-2019-10744 lodash <- vex"]);
  });

  it("keeps input order and loses nothing", () => {
    const result = applySuppressions({ matches, vex: [statement({ vulnerability: "CVE-2023-4911" })], now });
    expect(result.kept.length + result.suppressed.length).toBe(matches.length);
    expect(result.kept).toEqual(matches.filter((m) => m.id !== "CVE-2023-4911"));
    expect(applySuppressions({ matches, now })).toEqual({ kept: matches, suppressed: [], expiredRules: [] });
  });
});
