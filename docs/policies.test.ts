/**
 * docs/policies.md shows policies people copy: every YAML block in it must load as the server
 * loads policies, without errors or warnings, and give the policies it describes.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parsePolicies } from "../packages/server/src/scheduler/parse-policies.js";
import { fencedBlocks } from "./test-support/fenced-blocks.js";

const markdown = readFileSync(join(import.meta.dirname, "policies.md"), "utf8");
const yamlBlocks = fencedBlocks(markdown).filter((b) => b.language === "yaml");

describe("docs/policies.md", () => {
  it("has its examples in yaml blocks", () => {
    expect(yamlBlocks.length).toBeGreaterThanOrEqual(2);
  });

  it.each(yamlBlocks.map((b) => [b.line, b] as const))(
    "the YAML block at line %i loads without errors or warnings",
    (_, block) => {
      const result = parsePolicies(block.text, `docs/policies.md:${block.line}`);
      expect(result.errors).toEqual([]);
      expect(result.warnings).toEqual([]);
      expect(result.policies.length).toBeGreaterThan(0);
    },
  );

  it("the full example gives the schedules its text describes", () => {
    const [full] = yamlBlocks;
    const { policies } = parsePolicies(full!.text, "docs/policies.md");
    expect(policies.map((p) => [p.name, p.enabled])).toEqual([
      ["nightly-production", true],
      ["staging-workdays", true],
    ]);
    expect(policies[0]!.rules).toEqual([
      {
        type: "schedule",
        cadence: "30 2 * * *",
        timezone: "Europe/Berlin",
        scopes: [
          { cluster: "prod-eu", namespaces: [] },
          { cluster: "prod-us", namespaces: [] },
        ],
      },
    ]);
    expect(policies[0]!.actions).toEqual([{ scan: "cluster_image_scanning", severityThreshold: "high" }]);
    expect(policies[1]!.rules).toEqual([
      {
        type: "schedule",
        cadence: "0 7 * * MON-FRI",
        timezone: "America/New_York",
        scopes: [{ cluster: "staging", namespaces: ["payments", "checkout"] }],
      },
      {
        type: "schedule",
        cadence: "@weekly",
        timezone: "UTC",
        scopes: [{ cluster: "edge-1", namespaces: [] }],
      },
    ]);
  });

  it("quotes the errors the server prints for the broken file it shows", () => {
    const broken = [
      "scan_execution_policy:",
      "  - name: nightly",
      "    rules:",
      "      - type: schedule",
      "        cadence: '0 25 * * *'",
      "        clusters: [prod-eu]",
      "        namespaces: [Shop]",
      "    actions:",
      "      - scan: cluster_image_scanning",
      "        severity_threshold: severe",
    ].join("\n");
    const { errors } = parsePolicies(broken, "policies.yml");
    for (const error of errors) {
      expect(markdown).toContain(
        `policies.yml:${error.line}:${error.column}: ${error.path}: ${error.reason}`,
      );
    }
    expect(errors).toHaveLength(3);
  });
});
