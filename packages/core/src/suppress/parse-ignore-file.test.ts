import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isRuleExpired, parseExpiry } from "./ignore-rule.js";
import { parseIgnoreFile } from "./parse-ignore-file.js";
import { formatSuppressionProblem } from "./suppression-problem.js";

const example = readFileSync(join(import.meta.dirname, "testdata", ".vigilignore.yaml"), "utf8");

/** Problems as `line: code` for compact assertions. */
const problemsOf = (text: string) =>
  parseIgnoreFile(text, "ignore.yaml").problems.map((p) => `${p.location.line}: ${p.code}`);

describe("parseIgnoreFile", () => {
  it("reads the documented format with each rule's line", () => {
    const { rules, problems } = parseIgnoreFile(example, ".vigilignore.yaml");
    expect(problems).toEqual([]);
    expect(rules).toEqual([
      {
        id: "CVE-2022-3715",
        package: "bash",
        reason:
          "bash is only used by the entrypoint script with fixed arguments; no attacker-controlled parameter transformation.",
        expires: "2026-06-30",
        dismissal: "acceptable_risk",
        source: { file: ".vigilignore.yaml", line: 4 },
      },
      {
        id: "DSA-5532-1",
        package: "pkg:deb/debian/libssl3",
        path: "/var/lib/dpkg/**",
        reason: "DH parameters come only from our own configuration.",
        dismissal: "mitigating_control",
        source: { file: ".vigilignore.yaml", line: 11 },
      },
      {
        id: "GHSA-jf85-cpcp-j695",
        path: "/app/node_modules/**",
        reason: "Fixed in our vendored copy; upstream upgrade tracked in SHOP-1234.",
        expires: "2024-01-31",
        dismissal: "acceptable_risk",
        source: { file: ".vigilignore.yaml", line: 17 },
      },
    ]);
  });

  it("reports a YAML syntax error with its line and applies no rule of the file", () => {
    const { rules, problems } = parseIgnoreFile(
      "rules:\n  - id: CVE-1\n    reason: ok\n  - id: [CVE-2\n    reason: broken\n",
      "ci/.vigilignore.yaml",
    );
    expect(rules).toEqual([]);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatchObject({
      severity: "error",
      code: "ignore-file-yaml-syntax",
      location: { file: "ci/.vigilignore.yaml" },
    });
    expect(problems[0]!.location.line).toBeGreaterThanOrEqual(4);
    expect(formatSuppressionProblem(problems[0]!)).toMatch(
      /^ci\/\.vigilignore\.yaml:\d+:\d+: error: YAML syntax error: /,
    );
  });

  it("drops each bad rule with its line and reason, keeping the good ones", () => {
    const text = [
      "rules:", // 1
      "  - id: CVE-2024-0001", // 2
      "    pakage: openssl", // 3: misspelt key must not widen the rule
      "    reason: typo", // 4
      "  - id: CVE-2024-0002", // 5: no reason
      "  - id: CVE-2024-0003", // 6
      "    reason: bad date", // 7
      "    expires: 2026-02-30", // 8
      "  - id: CVE-2024-0004", // 9
      "    reason: bad glob", // 10
      "    path: /usr/{lib", // 11
      "  - id: [CVE-2024-0005]", // 12
      "    reason: id is a list", // 13
      "  - id: CVE-2024-0006", // 14
      "    reason: unknown dismissal", // 15
      "    dismissal: wontfix", // 16
      "  - id: CVE-2024-0007", // 17
      "    reason: '   '", // 18
      "  - just a string", // 19
      "  - id: CVE-2024-0008", // 20
      "    reason: fine", // 21
      "    expires: 2026-01-01T12:00:00+02:00", // 22
      "  - id: CVE-2024-0009", // 23
      "    reason: bad purl prefix", // 24
      "    package: 'pkg:'", // 25
    ].join("\n");
    const { rules, problems } = parseIgnoreFile(text, "ignore.yaml");
    expect(rules.map((r) => r.id)).toEqual(["CVE-2024-0008"]);
    expect(problems.map((p) => `${p.location.line}: ${p.code}`)).toEqual([
      "3: ignore-rule-unknown-key",
      "5: ignore-rule-missing-reason",
      "8: ignore-rule-bad-expires",
      "11: ignore-rule-bad-path",
      "12: ignore-rule-bad-id",
      "16: ignore-rule-bad-dismissal",
      "18: ignore-rule-bad-reason",
      "19: ignore-rule-not-a-mapping",
      "25: ignore-rule-bad-package",
    ]);
    expect(problems[0]!.message).toBe(
      'unknown key "pakage" (expected id, package, path, reason, expires, dismissal); rule ignored',
    );
    expect(problems.every((p) => p.severity === "error")).toBe(true);
  });

  it("checks the file's shape", () => {
    expect(parseIgnoreFile("", "f").problems).toEqual([]);
    expect(parseIgnoreFile("# nothing yet\n", "f")).toEqual({ rules: [], problems: [] });
    expect(parseIgnoreFile("rules:\n", "f")).toEqual({ rules: [], problems: [] });
    expect(problemsOf("- id: CVE-1\n  reason: x\n")).toEqual(["1: ignore-file-not-a-mapping"]);
    expect(problemsOf("rules: CVE-1\n")).toEqual(["1: ignore-file-rules-not-a-list"]);
    expect(problemsOf("version: 2\nrules: []\n")).toEqual(["1: ignore-file-unsupported-version"]);
    expect(problemsOf("ignore:\n  - id: CVE-1\n")).toEqual(["1: ignore-file-unknown-key"]);
    expect(problemsOf("rules:\n  - id: CVE-1\n    id: CVE-2\n    reason: x\n")).toEqual([
      "3: ignore-file-yaml-syntax",
    ]);
  });

  it("takes scalar ids as written", () => {
    const { rules } = parseIgnoreFile("rules:\n  - id: 20240001\n    reason: an internal id\n", "f");
    expect(rules[0]!.id).toBe("20240001");
  });
});

describe("rule expiry", () => {
  it("a date stops the rule at 00:00 UTC that day; a date-time at that instant", () => {
    expect(parseExpiry("2026-06-30")?.toISOString()).toBe("2026-06-30T00:00:00.000Z");
    expect(parseExpiry("2026-06-30T08:00:00+02:00")?.toISOString()).toBe("2026-06-30T06:00:00.000Z");
    expect(parseExpiry("2026-02-29")).toBeUndefined();
    expect(parseExpiry("30.06.2026")).toBeUndefined();
    expect(parseExpiry("2026-06-30 08:00")).toBeUndefined();
    const rule = {
      id: "CVE-1",
      reason: "r",
      expires: "2026-06-30",
      dismissal: "acceptable_risk" as const,
      source: { file: "f", line: 1 },
    };
    expect(isRuleExpired(rule, new Date("2026-06-29T23:59:59.999Z"))).toBe(false);
    expect(isRuleExpired(rule, new Date("2026-06-30T00:00:00Z"))).toBe(true);
    const { expires: _, ...forever } = rule;
    expect(isRuleExpired(forever, new Date("2100-01-01"))).toBe(false);
  });
});
