import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parsePolicies } from "./parse-policies.js";
import { renderPoliciesYaml, renderPolicyYaml } from "./render-policy-yaml.js";
import type { ScanPolicy } from "./scan-policy.js";

const policies = parsePolicies(
  readFileSync(new URL("./testdata/vigil-policies.yml", import.meta.url), "utf8"),
  "vigil-policies.yml",
).policies;

describe("renderPolicyYaml", () => {
  it("reads back to the same policy, for every policy of the Vigil testdata", () => {
    expect(policies).toHaveLength(3);
    for (const policy of policies) {
      const again = parsePolicies(renderPolicyYaml(policy), "rendered.yml");
      expect(again.errors).toEqual([]);
      expect(again.warnings).toEqual([]);
      expect(again.policies).toEqual([policy]);
    }
  });

  it("writes GitLab's single-policy form, quoting cadences, with agents when namespaces differ per cluster", () => {
    expect(renderPolicyYaml(policies[1]!)).toBe(
      [
        "name: staging-workdays",
        "enabled: false",
        "rules:",
        "  - type: schedule",
        "    cadence: '0 7 * * MON-FRI'",
        "    timezone: America/New_York",
        "    clusters:",
        "      - staging",
        "    namespaces:",
        "      - payments",
        "      - checkout",
        "  - type: schedule",
        "    cadence: '@weekly'",
        "    timezone: UTC",
        "    agents:",
        "      staging-agent:",
        "        namespaces:",
        "          - kube-system",
        "      sandbox:",
        "        namespaces: []",
        "actions:",
        "  - scan: cluster_image_scanning",
        "    severity_threshold: critical",
        "",
      ].join("\n"),
    );
  });

  it("keeps odd text intact", () => {
    const policy: ScanPolicy = {
      name: "a: b # not a comment",
      description: "line one\nline two: 'quoted'",
      enabled: true,
      rules: [
        {
          type: "schedule",
          cadence: "*/15 * * * *",
          timezone: "UTC",
          scopes: [{ cluster: "ctx@x", namespaces: [] }],
        },
      ],
      actions: [{ scan: "cluster_image_scanning", severityThreshold: "low" }],
    };
    expect(parsePolicies(renderPolicyYaml(policy), "x").policies).toEqual([policy]);
  });
});

describe("renderPoliciesYaml", () => {
  it("writes a scan_execution_policy document that reads back to the same policies", () => {
    const text = renderPoliciesYaml(policies);
    expect(text.startsWith("scan_execution_policy:\n")).toBe(true);
    expect(parsePolicies(text, "policy.yml")).toEqual({ policies, errors: [], warnings: [] });
  });
});
