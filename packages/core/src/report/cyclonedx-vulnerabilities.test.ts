import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Spec, Validation } from "@cyclonedx/cyclonedx-library";
import { beforeAll, describe, expect, it } from "vitest";
import { applySuppressions, type SuppressionResult } from "../suppress/apply-suppressions.js";
import { parseIgnoreFile } from "../suppress/parse-ignore-file.js";
import { parseVex } from "../suppress/parse-vex.js";
import { renderCycloneDxSbom } from "./cyclonedx-sbom.js";
import { renderCycloneDxVex, renderCycloneDxVulnerabilities } from "./cyclonedx-vulnerabilities.js";
import { type VulnerableImage, vulnerableImage } from "./test-support/vulnerable-image.js";

const now = new Date("2026-01-02T03:04:05Z");
const suppressTestdata = (name: string) =>
  readFileSync(join(import.meta.dirname, "..", "suppress", "testdata", name), "utf8");

interface CdxVulnerability {
  "bom-ref": string;
  id: string;
  source: { name: string; url: string };
  references?: { id: string; source: { name: string } }[];
  ratings?: {
    method: string;
    severity?: string;
    score?: number;
    vector?: string;
    source?: { name: string; url?: string };
  }[];
  cwes?: number[];
  description?: string;
  detail?: string;
  recommendation?: string;
  advisories?: { url: string }[];
  analysis?: { state: string; justification?: string; response?: string[]; detail?: string };
  affects: { ref: string; versions?: { range?: string; version?: string; status: string }[] }[];
  properties?: { name: string; value: string }[];
}

describe("CycloneDX vulnerabilities", () => {
  let fixture: VulnerableImage;
  let suppression: SuppressionResult;
  const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6);
  beforeAll(async () => {
    fixture = await vulnerableImage();
    const ignore = parseIgnoreFile(suppressTestdata(".vigilignore.yaml"), ".vigilignore.yaml");
    const vex = [
      ...parseVex(suppressTestdata("shop-api.openvex.json"), "shop-api.openvex.json").statements,
      ...parseVex(suppressTestdata("shop-api.vex.cdx.json"), "shop-api.vex.cdx.json").statements,
    ];
    suppression = applySuppressions({
      matches: fixture.matches,
      ignoreRules: ignore.rules,
      vex,
      now,
      image: fixture.image,
    });
  });
  const base = () => ({
    image: fixture.image,
    inventory: fixture.inventory,
    matches: suppression.kept,
    suppressed: suppression.suppressed,
    advisories: fixture.advisories,
    now,
    toolVersion: "0.1.0",
  });
  const byKey = (doc: { vulnerabilities: CdxVulnerability[] }, id: string, pkg: string) =>
    doc.vulnerabilities.find((v) => v.id === id && v.affects[0]!.ref.includes(`/${pkg}@`))!;

  describe("SBOM with vulnerabilities", () => {
    it("is valid CycloneDX 1.6, reproducible, and matches the golden file", async () => {
      const json = renderCycloneDxVulnerabilities(base());
      expect(await validator.validate(json)).toBeNull();
      expect(renderCycloneDxVulnerabilities({ ...base(), matches: [...base().matches].reverse() })).toBe(
        json,
      );
      await expect(json).toMatchFileSnapshot("./testdata/cyclonedx-vulnerabilities/vulnerabilities.cdx.json");
    });

    it("reuses the SBOM's components and points every affects ref at one of them", () => {
      const doc = JSON.parse(renderCycloneDxVulnerabilities(base()));
      const sbom = JSON.parse(renderCycloneDxSbom({ ...base(), toolVersion: "0.1.0" }));
      expect(doc.components).toEqual(sbom.components);
      expect(doc.metadata.component).toEqual(sbom.metadata.component);
      expect(doc.serialNumber).not.toBe(sbom.serialNumber);
      const refs = new Set(doc.components.map((c: { "bom-ref": string }) => c["bom-ref"]));
      expect(doc.vulnerabilities).toHaveLength(fixture.matches.length);
      for (const v of doc.vulnerabilities as CdxVulnerability[]) {
        expect(v.affects).toHaveLength(1);
        expect(refs.has(v.affects[0]!.ref)).toBe(true);
      }
    });

    it("describes a language package finding: CVSS rating, aliases, CWEs, recommendation, ranges", () => {
      const doc = JSON.parse(
        renderCycloneDxVulnerabilities({ ...base(), matches: fixture.matches, suppressed: [] }),
      );
      const lodash = byKey(doc, "CVE-2019-10744", "lodash");
      expect(lodash).toMatchObject({
        id: "CVE-2019-10744",
        source: { name: "NVD", url: "https://nvd.nist.gov/vuln/detail/CVE-2019-10744" },
        references: [
          {
            id: "GHSA-jf85-cpcp-j695",
            source: {
              name: "GitHub Advisory Database",
              url: "https://github.com/advisories/GHSA-jf85-cpcp-j695",
            },
          },
        ],
        cwes: [20, 1321],
        description: "Prototype Pollution in lodash",
        recommendation: "Upgrade to lodash 4.17.12 or later.",
        affects: [
          {
            ref: "pkg:npm/lodash@4.17.11",
            versions: [
              { range: "vers:semver/<4.17.12", status: "affected" },
              { range: "vers:semver/>=4.17.12", status: "unaffected" },
            ],
          },
        ],
      });
      expect(lodash.detail).toMatch(/^Versions of lodash before 4\.17\.12/);
      expect(lodash.ratings).toEqual([
        {
          method: "CVSSv31",
          score: 9.1,
          severity: "critical",
          vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:H",
          source: {
            name: "GitHub Advisory Database",
            url: "https://github.com/advisories/GHSA-jf85-cpcp-j695",
          },
        },
      ]);
      expect(lodash.advisories).toEqual([
        { url: "https://github.com/lodash/lodash/pull/4336" },
        { url: "https://nvd.nist.gov/vuln/detail/CVE-2019-10744" },
      ]);
      expect(lodash.analysis).toBeUndefined();
    });

    it("gives a distribution's own rating as method other with the distribution as source", () => {
      const doc = JSON.parse(
        renderCycloneDxVulnerabilities({ ...base(), matches: fixture.matches, suppressed: [] }),
      );
      const openssl = byKey(doc, "CVE-2023-5678", "openssl");
      expect(openssl.ratings).toEqual([
        {
          method: "other",
          severity: "low",
          source: { name: "Debian", url: "https://security-tracker.debian.org/tracker/CVE-2023-5678" },
        },
      ]);
      expect(openssl.recommendation).toBe("Upgrade to openssl 3.0.11-1~deb12u2 or later.");
      const libssl = byKey(doc, "CVE-2023-5678", "libssl3");
      expect(libssl.recommendation).toBe(
        "Upgrade to openssl 3.0.11-1~deb12u2 or later (the source package of libssl3).",
      );
      expect(libssl.affects[0]!.versions).toEqual([
        { range: "vers:deb/<3.0.11-1~deb12u2", status: "affected" },
        { range: "vers:deb/>=3.0.11-1~deb12u2", status: "unaffected" },
      ]);
      const zlib = byKey(doc, "CVE-2023-45853", "zlib1g");
      expect(zlib.ratings).toEqual([
        {
          method: "other",
          severity: "info",
          source: { name: "Debian", url: "https://security-tracker.debian.org/tracker/CVE-2023-45853" },
          justification: "rated unimportant",
        },
      ]);
      expect(zlib.recommendation).toBe(
        "The distribution will not fix this in Debian:12; remove zlib1g or accept the risk.",
      );
      expect(zlib.affects[0]!.versions).toEqual([{ range: "vers:deb/*", status: "affected" }]);
      const bash = byKey(doc, "CVE-2022-3715", "bash");
      expect(bash.ratings).toBeUndefined();
      expect(bash.recommendation).toBeUndefined();
      expect(bash.properties).toContainEqual({ name: "vigil:match:via", value: "source" });
    });

    it("carries the suppressing analysis: VEX justification, ignore-rule dismissal", () => {
      const doc = JSON.parse(renderCycloneDxVulnerabilities(base()));
      expect(byKey(doc, "CVE-2023-4911", "libc6").analysis).toEqual({
        state: "not_affected",
        justification: "code_not_reachable",
        detail:
          "The image runs no setuid or setgid binaries, so GLIBC_TUNABLES is never processed with elevated privileges. " +
          "(OpenVEX statement, shop-api.openvex.json:10; justification vulnerable_code_not_in_execute_path)",
      });
      expect(byKey(doc, "CVE-2019-10744", "lodash").analysis).toMatchObject({ state: "resolved" });
      expect(byKey(doc, "CVE-2023-45853", "zlib1g").analysis).toMatchObject({ state: "false_positive" });
      expect(byKey(doc, "CVE-2023-5678", "libssl3").analysis).toMatchObject({
        state: "not_affected",
        justification: "requires_configuration",
      });
      expect(byKey(doc, "CVE-2022-3715", "bash").analysis).toEqual({
        state: "exploitable",
        response: ["will_not_fix"],
        detail:
          "bash is only used by the entrypoint script with fixed arguments; no attacker-controlled parameter transformation. " +
          "(Vigil ignore rule, .vigilignore.yaml:4, expires 2026-06-30)",
      });
      expect(byKey(doc, "CVE-2022-3715", "bash").properties).toContainEqual({
        name: "vigil:suppressed_by",
        value: "ignore-rule",
      });
      // Not suppressed: no analysis in the SBOM document.
      expect(byKey(doc, "CVE-2023-5678", "openssl").analysis).toBeUndefined();
    });
  });

  describe("VEX document", () => {
    it("is valid CycloneDX 1.6 with an analysis state for every vulnerability and no components", async () => {
      const json = renderCycloneDxVex(base());
      expect(await validator.validate(json)).toBeNull();
      await expect(json).toMatchFileSnapshot("./testdata/cyclonedx-vulnerabilities/vex.cdx.json");
      const doc = JSON.parse(json);
      expect(doc.components ?? []).toEqual([]);
      expect(doc.metadata.component.type).toBe("container");
      expect(doc.vulnerabilities).toHaveLength(fixture.matches.length);
      for (const v of doc.vulnerabilities as CdxVulnerability[]) expect(v.analysis?.state).toBeTruthy();
      expect(byKey(doc, "CVE-2023-5678", "openssl").analysis).toEqual({
        state: "in_triage",
        response: ["update"],
      });
    });

    it("refers to the SBOM's components by bom-ref, or by BOM-Link when the SBOM is named", async () => {
      const sbomJson = renderCycloneDxSbom({ ...base(), toolVersion: "0.1.0" });
      const sbom = JSON.parse(sbomJson);
      const refs = new Set(sbom.components.map((c: { "bom-ref": string }) => c["bom-ref"]));
      const plain = JSON.parse(renderCycloneDxVex(base()));
      for (const v of plain.vulnerabilities as CdxVulnerability[])
        expect(refs.has(v.affects[0]!.ref)).toBe(true);

      const linkedJson = renderCycloneDxVex({ ...base(), sbom: { serialNumber: sbom.serialNumber } });
      expect(await validator.validate(linkedJson)).toBeNull();
      const serial = sbom.serialNumber.replace("urn:uuid:", "");
      for (const v of JSON.parse(linkedJson).vulnerabilities as CdxVulnerability[]) {
        const ref = v.affects[0]!.ref;
        expect(ref.startsWith(`urn:cdx:${serial}/1#`)).toBe(true);
        expect(refs.has(decodeURIComponent(ref.slice(ref.indexOf("#") + 1)))).toBe(true);
      }
    });

    it("round-trips: reading Vigil's VEX back suppresses exactly what was suppressed", () => {
      const linked = renderCycloneDxVex({
        ...base(),
        sbom: { serialNumber: "urn:uuid:2f8d4b6a-1c3e-4a5b-9d7f-0e2a4c6b8d1f", version: 3 },
      });
      const read = parseVex(linked, "vigil.vex.json");
      expect(read.problems).toEqual([]);
      const again = applySuppressions({ matches: fixture.matches, vex: read.statements, now });
      const key = (m: { id: string; package: { name: string } }) => `${m.id} ${m.package.name}`;
      // Everything but the `exploitable` (acceptable risk) entry: that one is a finding kept on purpose.
      expect(again.suppressed.map((s) => key(s.match)).sort()).toEqual(
        suppression.suppressed
          .filter((s) => !(s.by.kind === "ignore" && s.by.rule.dismissal === "acceptable_risk"))
          .map((s) => key(s.match))
          .sort(),
      );
    });
  });
});
