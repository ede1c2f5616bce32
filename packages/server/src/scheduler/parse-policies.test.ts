import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parsePolicies } from "./parse-policies.js";
import { formatPolicyIssue, type PolicyIssue } from "./policy-issue.js";
import type { ScanPolicy } from "./scan-policy.js";

function testdata(name: string): string {
  return readFileSync(new URL(`./testdata/${name}`, import.meta.url), "utf8");
}

/** The located part of an issue, for exact assertions. */
function where(issue: PolicyIssue): Pick<PolicyIssue, "code" | "line" | "column" | "path"> {
  return { code: issue.code, line: issue.line, column: issue.column, path: issue.path };
}

function parseOk(text: string): readonly ScanPolicy[] {
  const result = parsePolicies(text, "test.yml");
  expect(result.errors).toEqual([]);
  return result.policies;
}

describe("parsePolicies: GitLab's documents", () => {
  it("reads the agent policy example from GitLab's docs (a bare list, container_scanning)", () => {
    const result = parsePolicies(
      testdata("gitlab-agent-policy-example.yml"),
      "gitlab-agent-policy-example.yml",
    );
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.policies).toEqual([
      {
        name: "Enforce Container Scanning in cluster connected through gitlab-agent for production and staging namespaces",
        description: "",
        enabled: true,
        rules: [
          {
            type: "schedule",
            cadence: "0 10 * * *",
            timezone: "UTC",
            scopes: [{ cluster: "gitlab-agent", namespaces: ["production", "staging"] }],
          },
        ],
        actions: [{ scan: "cluster_image_scanning" }],
      },
    ]);
  });

  it("reads the cluster_image_scanning proposal (one policy as a mapping under scan_execution_policy)", () => {
    expect(parseOk(testdata("gitlab-cluster-image-scanning-issue.yml"))).toEqual([
      {
        name: "Run Cluster Image Scan",
        description: "This policy enforces container scans against a production cluster on a daily basis.",
        enabled: true,
        rules: [
          {
            type: "schedule",
            cadence: "0 0 * * *",
            timezone: "UTC",
            scopes: [{ cluster: "agent-name", namespaces: [] }],
          },
        ],
        actions: [{ scan: "cluster_image_scanning" }],
      },
    ]);
  });

  it("loads GitLab's example policy project without errors, skipping its pipeline-only parts with warnings", () => {
    const result = parsePolicies(testdata("gitlab-security-policy-project.yml"), "policy.yml");
    expect(result.errors).toEqual([]);
    expect(result.policies).toEqual([]);
    expect(result.warnings.map(where)).toEqual(
      [
        { code: "gitlab-rule-ignored", line: 8, column: 5, path: "scan_execution_policy[0].rules[0]" },
        {
          code: "gitlab-scan-ignored",
          line: 12,
          column: 11,
          path: "scan_execution_policy[0].actions[0].scan",
        },
        { code: "policy-skipped", line: 4, column: 3, path: "scan_execution_policy[0]" },
        { code: "gitlab-rule-ignored", line: 19, column: 5, path: "scan_execution_policy[1].rules[0]" },
        {
          code: "gitlab-scan-ignored",
          line: 24,
          column: 11,
          path: "scan_execution_policy[1].actions[0].scan",
        },
        {
          code: "gitlab-scan-ignored",
          line: 27,
          column: 11,
          path: "scan_execution_policy[1].actions[1].scan",
        },
        { code: "policy-skipped", line: 15, column: 3, path: "scan_execution_policy[1]" },
        { code: "gitlab-rule-ignored", line: 34, column: 5, path: "scan_execution_policy[2].rules[0]" },
        {
          code: "gitlab-scan-ignored",
          line: 38,
          column: 11,
          path: "scan_execution_policy[2].actions[0].scan",
        },
        {
          code: "gitlab-scan-ignored",
          line: 39,
          column: 11,
          path: "scan_execution_policy[2].actions[1].scan",
        },
        { code: "policy-skipped", line: 30, column: 3, path: "scan_execution_policy[2]" },
      ].sort((a, b) => a.line - b.line || a.column - b.column),
    );
  });

  it("loads GitLab's single-policy editor form with type, policy_scope, time_window and a branch schedule", () => {
    const result = parsePolicies(testdata("gitlab-time-window-issue.yml"), "editor.yml");
    expect(result.errors).toEqual([]);
    expect(result.policies).toEqual([]);
    expect(result.warnings.map((w) => [w.code, w.line, w.path])).toEqual([
      ["policy-skipped", 2, ""],
      ["gitlab-field-ignored", 6, "policy_scope"],
      ["gitlab-rule-ignored", 10, "rules[0]"],
      ["gitlab-scan-ignored", 18, "actions[0].scan"],
      ["gitlab-scan-ignored", 19, "actions[1].scan"],
      ["gitlab-scan-ignored", 20, "actions[2].scan"],
      ["gitlab-scan-ignored", 22, "actions[4].scan"],
    ]);
  });

  it("keeps the cluster scan of a GitLab policy and warns about the fields it ignores", () => {
    const result = parsePolicies(
      [
        "name: ocs", // 1
        "policy_scope: {projects: {including: [{id: 1}]}}", // 2
        "rules:", // 3
        "  - type: schedule", // 4
        "    cadence: '0 3 * * *'", // 5
        "    time_window: {value: 600, distribution: random}", // 6
        "    agents: {prod: {namespaces: [default]}}", // 7
        "actions:", // 8
        "  - scan: container_scanning", // 9
        "    variables: {CS_IMAGE: x}", // 10
        "    tags: [docker]", // 11
        "",
      ].join("\n"),
      "ocs.yml",
    );
    expect(result.errors).toEqual([]);
    expect(result.policies).toHaveLength(1);
    expect(result.warnings.map((w) => [w.line, w.path, w.reason])).toEqual([
      [
        2,
        "policy_scope",
        "'policy_scope' is ignored: GitLab scopes policies to projects; a Vigil policy names its clusters in its rules",
      ],
      [
        6,
        "rules[0].time_window",
        "'time_window' is ignored: Vigil starts a scheduled scan at its cadence, without a random delay",
      ],
      [10, "actions[0].variables", "'variables' is ignored: CI variables configure GitLab's scan jobs"],
      [11, "actions[0].tags", "'tags' is ignored: runner tags select GitLab runners"],
    ]);
  });
});

describe("parsePolicies: Vigil's documents", () => {
  it("reads Vigil's own policy file into normalized policies", () => {
    const result = parsePolicies(testdata("vigil-policies.yml"), "vigil-policies.yml");
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.policies).toEqual([
      {
        name: "nightly-production",
        description: "Every namespace of both production clusters, every night in Berlin.",
        enabled: true,
        rules: [
          {
            type: "schedule",
            cadence: "30 2 * * *",
            timezone: "Europe/Berlin",
            scopes: [
              { cluster: "prod-eu", namespaces: [] },
              { cluster: "prod-us", namespaces: [] },
            ],
          },
        ],
        actions: [{ scan: "cluster_image_scanning", severityThreshold: "high" }],
      },
      {
        name: "staging-workdays",
        description: "",
        enabled: false,
        rules: [
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
            scopes: [
              { cluster: "staging-agent", namespaces: ["kube-system"] },
              { cluster: "sandbox", namespaces: [] },
            ],
          },
        ],
        actions: [{ scan: "cluster_image_scanning", severityThreshold: "critical" }],
      },
      {
        name: "second-monday",
        description: "",
        enabled: true,
        rules: [
          {
            type: "schedule",
            cadence: "0 4 * * 1#2",
            timezone: "UTC",
            scopes: [{ cluster: "lab", namespaces: [] }],
          },
        ],
        actions: [{ scan: "cluster_image_scanning" }],
      },
    ]);
  });

  it("reads an empty document, or one of comments only, as no policies", () => {
    expect(parsePolicies("", "x")).toEqual({ policies: [], errors: [], warnings: [] });
    expect(parsePolicies("# nothing yet\n", "x")).toEqual({ policies: [], errors: [], warnings: [] });
    expect(parsePolicies("scan_execution_policy:\n", "x")).toEqual({
      policies: [],
      errors: [],
      warnings: [],
    });
  });

  it("accepts GitLab's cron forms: names, nth weekday, L, nicknames", () => {
    for (const cadence of [
      "0 18 * * *",
      "0 13 * * 0",
      "0 0 * * 1#2",
      "0 0 L * *",
      "30 6 * * FRI",
      "0 0 1 JAN *",
      "@daily",
    ]) {
      const text = `name: p\nrules: [{type: schedule, cadence: '${cadence}', clusters: [c]}]\nactions: [{scan: cluster_image_scanning}]\n`;
      expect(parseOk(text)[0]!.rules[0]!.cadence, cadence).toBe(cadence);
    }
  });
});

describe("parsePolicies: located errors", () => {
  it("a YAML syntax error: only syntax errors, no policies", () => {
    const result = parsePolicies(
      [
        "scan_execution_policy:", // 1
        "  - name: broken", // 2
        "    rules: [ {type: schedule", // 3
        "    actions: []", // 4
        "",
      ].join("\n"),
      "broken.yml",
    );
    expect(result.policies).toEqual([]);
    expect(result.warnings).toEqual([]);
    // The unclosed flow collections of line 3 are noticed where line 4 starts.
    expect(result.errors.map((e) => [e.code, e.line, e.column, e.path, e.reason])).toEqual([
      [
        "yaml-syntax",
        4,
        5,
        "",
        "Flow map in block collection must be sufficiently indented and end with a }",
      ],
      [
        "yaml-syntax",
        4,
        5,
        "",
        "Flow sequence in block collection must be sufficiently indented and end with a ]",
      ],
    ]);
  });

  it("an unquoted cadence that starts with '*': a syntax error with the fix", () => {
    const result = parsePolicies("name: p\nrules:\n  - type: schedule\n    cadence: */10 * * * *\n", "p.yml");
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]!.line).toBe(4);
    expect(result.errors[0]!.reason).toContain("must be quoted, e.g. cadence: '*/10 * * * *'");
  });

  it("a duplicate key is a syntax error at the second key", () => {
    const result = parsePolicies("name: a\nname: b\n", "p.yml");
    expect(result.errors.map(where)).toEqual([{ code: "yaml-syntax", line: 2, column: 1, path: "" }]);
  });

  it("unknown key, missing name, duplicate name, bad cron, bad time zone, bad severity: all of them, each located", () => {
    const text = [
      "scan_execution_policy:", // 1
      "  - name: nightly", // 2
      "    rules:", // 3
      "      - type: schedule", // 4
      "        cadence: '61 * * * *'", // 5
      "        timezone: Europe/Berlinn", // 6
      "        clusters: [prod]", // 7
      "        cadance: '0 1 * * *'", // 8
      "    actions:", // 9
      "      - scan: cluster_image_scanning", // 10
      "        severity_threshold: severe", // 11
      "  - description: no name here", // 12
      "    rules: [{type: schedule, cadence: '0 1 * * *', clusters: [a]}]", // 13
      "    actions: [{scan: cluster_image_scanning}]", // 14
      "  - name: nightly", // 15
      "    rules: [{type: schedule, cadence: '0 1 * * *', clusters: [a]}]", // 16
      "    actions: [{scan: cluster_image_scanning}]", // 17
      "    schedule: daily", // 18
      "",
    ].join("\n");
    const result = parsePolicies(text, "policies.yml");
    expect(result.policies).toEqual([]);
    expect(result.errors.map(where)).toEqual([
      { code: "bad-cadence", line: 5, column: 19, path: "scan_execution_policy[0].rules[0].cadence" },
      { code: "bad-time-zone", line: 6, column: 19, path: "scan_execution_policy[0].rules[0].timezone" },
      { code: "unknown-field", line: 8, column: 9, path: "scan_execution_policy[0].rules[0].cadance" },
      {
        code: "bad-severity",
        line: 11,
        column: 29,
        path: "scan_execution_policy[0].actions[0].severity_threshold",
      },
      { code: "missing-field", line: 12, column: 5, path: "scan_execution_policy[1].name" },
      { code: "duplicate-name", line: 15, column: 11, path: "scan_execution_policy[2].name" },
      { code: "unknown-field", line: 18, column: 5, path: "scan_execution_policy[2].schedule" },
    ]);
    const reasons = result.errors.map((e) => e.reason);
    expect(reasons).toEqual([
      "the minute field '61' is not valid (allowed: 0-59)",
      "unknown time zone 'Europe/Berlinn': use an IANA time zone name (e.g. 'Europe/Berlin', 'UTC')",
      "unknown rule field 'cadance': did you mean 'cadence'?",
      "unknown severity 'severe': use one of critical, high, medium, low, negligible, unknown",
      "a policy needs a 'name'",
      "another policy is already named 'nightly' (line 2); policy names are unique",
      "unknown policy field 'schedule': known fields: name, description, enabled, rules, actions, type",
    ]);
    expect(formatPolicyIssue(result.errors[0]!)).toBe(
      "policies.yml:5:19: scan_execution_policy[0].rules[0].cadence: the minute field '61' is not valid (allowed: 0-59)",
    );
  });

  it("a bad cron field is located at the field, in plain and quoted scalars", () => {
    const plain = parsePolicies(
      "name: p\nrules:\n- type: schedule\n  cadence: 0 25 * * *\n  clusters: [c]\n",
      "p",
    );
    expect(plain.errors.map(where)).toContainEqual({
      code: "bad-cadence",
      line: 4,
      column: 14,
      path: "rules[0].cadence",
    });
    expect(plain.errors.find((e) => e.code === "bad-cadence")!.reason).toBe(
      "the hour field '25' is not valid (allowed: 0-23)",
    );
    const quoted = parsePolicies(
      `name: p\nrules:\n- type: schedule\n  cadence: "0 0 * 13 *"\n  clusters: [c]\n`,
      "p",
    );
    expect(quoted.errors.find((e) => e.code === "bad-cadence")).toMatchObject({
      line: 4,
      column: 19,
      reason: "the month field '13' is not valid (allowed: 1-12 or JAN-DEC)",
    });
  });

  it.each([
    [
      "0 0 * * * *",
      1,
      "a cadence has five fields (minute hour day-of-month month day-of-week), this one has 6",
    ],
    ["0 0 * *", 1, "a cadence has five fields (minute hour day-of-month month day-of-week), this one has 4"],
    ["0 9 * * sun%2", 9, "fugit's modulo extension"],
    ["@every 1h", 1, "'@every' intervals are not supported"],
    ["@reboot", 1, "unknown nickname '@reboot'"],
    ["0 0 30 2 *", 1, "never fires"],
    ["0 0 * * 8", 9, "the day of week field '8' is not valid"],
  ])("cadence '%s' is refused at column +%i", (cadence, column, reason) => {
    const text = `name: p\nrules:\n- type: schedule\n  cadence: '${cadence}'\n  clusters: [c]\nactions: [{scan: cluster_image_scanning}]\n`;
    const result = parsePolicies(text, "p");
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({
      code: "bad-cadence",
      line: 4,
      column: 12 + column,
      path: "rules[0].cadence",
    });
    expect(result.errors[0]!.reason).toContain(reason);
  });

  it("an offset is not a time zone name", () => {
    const text =
      "name: p\nrules:\n- type: schedule\n  cadence: '0 1 * * *'\n  timezone: '+01:00'\n  clusters: [c]\nactions: [{scan: cluster_image_scanning}]\n";
    expect(parsePolicies(text, "p").errors.map(where)).toEqual([
      { code: "bad-time-zone", line: 5, column: 13, path: "rules[0].timezone" },
    ]);
  });

  it("rule and action shape errors", () => {
    const text = [
      "- name: a", // 1
      "  enabled: yes", // 2
      "  rules:", // 3
      "    - type: weekly", // 4
      "    - type: schedule", // 5
      "      cadence: '0 1 * * *'", // 6
      "    - type: schedule", // 7
      "      cadence: '0 1 * * *'", // 8
      "      clusters: [x]", // 9
      "      agents: {y: {namespaces: [Bad_NS]}}", // 10
      "    - type: schedule", // 11
      "      cadence: '0 1 * * *'", // 12
      "      agents: {y: {namespaces: [ok], labels: [z]}}", // 13
      "  actions:", // 14
      "    - scan: trivy", // 15
      "    - severity_threshold: high", // 16
      "    - scan: cluster_image_scanning", // 17
      "    - scan: container_scanning", // 18
      "",
    ].join("\n");
    const result = parsePolicies(text, "p");
    expect(result.errors.map((e) => [e.code, e.line, e.column, e.path])).toEqual([
      ["wrong-type", 2, 12, "[0].enabled"],
      ["bad-rule-type", 4, 13, "[0].rules[0].type"],
      ["missing-field", 5, 7, "[0].rules[1].clusters"],
      ["conflicting-fields", 9, 7, "[0].rules[2].clusters"],
      ["unknown-field", 13, 38, "[0].rules[3].agents.y.labels"],
      ["bad-scan", 15, 13, "[0].actions[0].scan"],
      ["missing-field", 16, 7, "[0].actions[1].scan"],
      ["duplicate-action", 18, 7, "[0].actions[3]"],
    ]);
  });

  it("bad namespace names and duplicate clusters", () => {
    const text =
      "name: p\nrules:\n- type: schedule\n  cadence: '0 1 * * *'\n  clusters: [a, b, a]\n  namespaces: [default, Kube_System]\nactions: [{scan: cluster_image_scanning}]\n";
    expect(parsePolicies(text, "p").errors.map(where)).toEqual([
      { code: "duplicate-cluster", line: 5, column: 20, path: "rules[0].clusters[2]" },
      { code: "bad-namespace", line: 6, column: 25, path: "rules[0].namespaces[1]" },
    ]);
  });

  it("a document that is not a mapping or list", () => {
    expect(parsePolicies("just text\n", "p").errors.map(where)).toEqual([
      { code: "wrong-type", line: 1, column: 1, path: "" },
    ]);
  });

  it("keeps the valid policies of a document with errors, for callers that preview", () => {
    const text =
      "- name: good\n  rules: [{type: schedule, cadence: '0 1 * * *', clusters: [a]}]\n  actions: [{scan: cluster_image_scanning}]\n- name: bad\n  rules: [{type: schedule, cadence: '0 1 * * *', clusters: [a]}]\n  actions: [{scan: cluster_image_scanning, severity_threshold: huge}]\n";
    const result = parsePolicies(text, "p");
    expect(result.policies.map((p) => p.name)).toEqual(["good"]);
    expect(result.errors.map((e) => e.code)).toEqual(["bad-severity"]);
  });
});

describe("parsePolicies on text nested thousands deep", () => {
  it("is one located syntax error, never a crash of the yaml parser", () => {
    const result = parsePolicies(`scan_execution_policy:\n${"- ".repeat(3000)}name: x\n`, "deep.yml");
    expect(result.policies).toEqual([]);
    expect(result.errors.map((e) => [e.code, e.line, e.reason])).toEqual([
      ["yaml-syntax", 2, expect.stringContaining("nested too deeply")],
    ]);
  });
});
