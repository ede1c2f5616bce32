import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Spec, Validation } from "@cyclonedx/cyclonedx-library";
import { describe, expect, it } from "vitest";
import { parseVex } from "./parse-vex.js";

const testdata = (name: string) => readFileSync(join(import.meta.dirname, "testdata", name), "utf8");

describe("parseVex: OpenVEX", () => {
  it("reads every statement of a v0.2.0 document, with products, subcomponents and timestamps", () => {
    const doc = parseVex(testdata("shop-api.openvex.json"), "vex/shop-api.openvex.json");
    expect(doc.problems).toEqual([]);
    expect(doc.format).toBe("openvex");
    expect(doc.statements).toHaveLength(4);
    const [libc, underInvestigation, fixed, affected] = doc.statements;
    expect(libc).toEqual({
      format: "openvex",
      vulnerability: "CVE-2023-4911",
      aliases: ["DEBIAN-CVE-2023-4911"],
      products: [
        {
          purl: "pkg:oci/api@sha256%3A9b2a6c4e8d0f1a3b5c7d9e1f2a4b6c8d0e2f4a6b8c0d2e4f6a8b0c2d4e6f8a0b?repository_url=registry.example.com%2Fshop%2Fapi",
          subcomponents: ["pkg:deb/debian/libc6@2.36-9%2Bdeb12u1?arch=amd64&distro=debian-12"],
        },
      ],
      status: "not_affected",
      originalStatus: "not_affected",
      justification: "vulnerable_code_not_in_execute_path",
      impactStatement:
        "The image runs no setuid or setgid binaries, so GLIBC_TUNABLES is never processed with elevated privileges.",
      // The document timestamp cascades to statements without their own.
      timestamp: "2024-05-03T09:12:44Z",
      source: {
        file: "vex/shop-api.openvex.json",
        line: 10,
        pointer: "/statements/0",
        documentId: "https://vex.shop.example.com/public/vex-3f9a1c27e0b84d6c",
        index: 0,
      },
    });
    expect(underInvestigation).toMatchObject({
      status: "under_investigation",
      timestamp: "2024-05-01T08:00:00Z",
    });
    expect(fixed).toMatchObject({
      vulnerability: "GHSA-jf85-cpcp-j695",
      status: "fixed",
      statusNotes: "Our vendored lodash 4.17.11 carries the defaultsDeep fix of lodash/lodash#4336.",
      products: [
        {
          purl: "pkg:oci/api?repository_url=registry.example.com%2Fshop%2Fapi",
          subcomponents: ["pkg:npm/lodash@4.17.11"],
        },
      ],
    });
    expect(affected).toMatchObject({
      status: "affected",
      actionStatement: "Upgrade openssl to 3.0.11-1~deb12u2 or later.",
      products: [{ purl: "pkg:deb/debian/openssl", subcomponents: [] }],
    });
  });

  it("drops statements that break the spec's MUSTs, each with the line of the bad value", () => {
    const text = `{
  "@context": "https://openvex.dev/ns/v0.2.0",
  "@id": "https://example.com/vex/1",
  "author": "someone",
  "timestamp": "2024-01-01T00:00:00Z",
  "version": 1,
  "statements": [
    { "vulnerability": { "name": "CVE-2024-0001" }, "status": "fixedd" },
    { "vulnerability": { "name": "CVE-2024-0002" }, "status": "not_affected" },
    { "vulnerability": {}, "status": "fixed" },
    {
      "vulnerability": { "name": "CVE-2024-0003" },
      "products": [{ "identifiers": { "cpe23": "cpe:2.3:a:acme:app:1.0:*:*:*:*:*:*:*" } }],
      "status": "fixed"
    },
    {
      "vulnerability": { "name": "CVE-2024-0004" },
      "products": [{ "@id": "pkg:oci/app", "subcomponents": [{ "hashes": { "sha-256": "ab" } }] }],
      "status": "fixed"
    },
    { "vulnerability": "CVE-2024-0005", "products": ["pkg:npm/left-pad@1.0.0"], "status": "not_affected",
      "justification": "it_is_fine" }
  ]
}`;
    const doc = parseVex(text, "bad.json");
    expect(doc.problems.map((p) => `${p.location.line}:${p.location.pointer} ${p.code}`)).toEqual([
      "8:/statements/0/status openvex-statement-bad-status",
      "9:/statements/1 openvex-not-affected-without-justification",
      "10:/statements/2/vulnerability openvex-statement-no-vulnerability",
      "13:/statements/3/products/0 openvex-product-without-purl",
      "13:/statements/3/products openvex-no-usable-product",
      "18:/statements/4/products/0/subcomponents/0 openvex-subcomponent-without-purl",
      "18:/statements/4/products openvex-no-usable-product",
      "22:/statements/5/justification openvex-unknown-justification",
    ]);
    // Only the v0.0.x-shaped statement is usable (an unknown justification is a warning).
    expect(doc.statements.map((s) => [s.vulnerability, s.products])).toEqual([
      ["CVE-2024-0005", [{ purl: "pkg:npm/left-pad@1.0.0", subcomponents: [] }]],
    ]);
    expect(doc.problems.at(-1)!.severity).toBe("warning");
  });
});

describe("parseVex: CycloneDX", () => {
  it("the example is a valid CycloneDX 1.6 document", async () => {
    const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6);
    expect(await validator.validate(testdata("shop-api.vex.cdx.json"))).toBeNull();
  });

  it("reads analysis states and resolves affects refs (BOM-Link, local bom-ref, purl)", () => {
    const doc = parseVex(testdata("shop-api.vex.cdx.json"), "shop-api.vex.cdx.json");
    expect(doc.problems).toEqual([]);
    expect(doc.format).toBe("cyclonedx");
    expect(doc.statements.map((s) => [s.vulnerability, s.status, s.originalStatus, s.products])).toEqual([
      [
        "CVE-2023-5678",
        "not_affected",
        "not_affected",
        [
          {
            purl: "pkg:deb/debian/libssl3@3.0.11-1~deb12u1?arch=amd64&distro=debian-12&upstream=openssl",
            subcomponents: [],
          },
        ],
      ],
      [
        "CVE-2023-45853",
        "not_affected",
        "false_positive",
        [{ purl: "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12", subcomponents: [] }],
      ],
      [
        "CVE-2022-3715",
        "under_investigation",
        "in_triage",
        [{ purl: "pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64", subcomponents: [] }],
      ],
    ]);
    expect(doc.statements[0]).toMatchObject({
      aliases: ["DSA-5532-1"],
      justification: "requires_configuration",
      impactStatement: "The service never generates or checks DH parameters; TLS uses ECDHE only.",
      timestamp: "2024-05-03T09:12:44Z",
      source: {
        line: 26,
        pointer: "/vulnerabilities/0",
        documentId: "urn:uuid:7c1e4f2a-9b3d-4e6f-8a1c-2d5e7f9b0c3a",
      },
    });
  });

  it("never widens a statement whose refs do not resolve", () => {
    const text = JSON.stringify(
      {
        bomFormat: "CycloneDX",
        specVersion: "1.6",
        vulnerabilities: [
          {
            id: "CVE-2024-0001",
            analysis: { state: "not_affected" },
            affects: [{ ref: "unknown-component" }],
          },
          {
            id: "CVE-2024-0002",
            analysis: { state: "resolved" },
            affects: [{ ref: "urn:cdx:2f8d4b6a-1c3e-4a5b-9d7f-0e2a4c6b8d1f/1" }],
          },
          { id: "CVE-2024-0003", analysis: { state: "fixed" } },
          { id: "CVE-2024-0004" },
          { analysis: { state: "not_affected" } },
          { id: "CVE-2024-0005", analysis: { state: "resolved_with_pedigree" } },
        ],
      },
      null,
      2,
    );
    const doc = parseVex(text, "vex.json");
    expect(doc.problems.map((p) => `${p.severity} ${p.location.pointer} ${p.code}`)).toEqual([
      "warning /vulnerabilities/0/affects/0 cyclonedx-vex-unresolved-ref",
      "error /vulnerabilities/0/affects cyclonedx-vex-no-usable-ref",
      "warning /vulnerabilities/1/affects/0 cyclonedx-vex-unresolved-ref",
      "error /vulnerabilities/1/affects cyclonedx-vex-no-usable-ref",
      "error /vulnerabilities/2/analysis/state cyclonedx-vex-bad-state",
      "warning /vulnerabilities/3 cyclonedx-vex-no-analysis",
      "error /vulnerabilities/4 cyclonedx-vex-no-id",
    ]);
    // Without affects a statement is about every package with the vulnerability.
    expect(doc.statements.map((s) => [s.vulnerability, s.status, s.products.length])).toEqual([
      ["CVE-2024-0005", "fixed", 0],
    ]);
    expect(doc.problems.every((p) => p.location.line !== undefined)).toBe(true);
  });
});

describe("parseVex: bad input", () => {
  it("reports invalid JSON at its line and column", () => {
    const doc = parseVex('{\n  "statements": [\n    { "status": "fixed", }\n  ]\n}\n', "broken.json");
    expect(doc.statements).toEqual([]);
    expect(doc.problems).toHaveLength(1);
    expect(doc.problems[0]).toMatchObject({
      severity: "error",
      code: "vex-invalid-json",
      location: { file: "broken.json", line: 3, column: 26 },
    });
  });

  it("reports an unknown format", () => {
    const doc = parseVex('{"document": {"category": "csaf_vex"}}', "csaf.json");
    expect(doc.format).toBeUndefined();
    expect(doc.problems.map((p) => p.code)).toEqual(["vex-unknown-format"]);
    expect(parseVex("[1, 2]", "list.json").problems.map((p) => p.code)).toEqual(["vex-unknown-format"]);
  });

  it("accepts a byte-order mark", () => {
    expect(parseVex(`\ufeff${testdata("shop-api.openvex.json")}`, "bom.json").statements).toHaveLength(4);
  });
});
