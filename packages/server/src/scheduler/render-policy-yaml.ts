import { Document, Scalar } from "yaml";
import type { ScanPolicy, ScheduleRule } from "./scan-policy.js";

/**
 * One policy as YAML in GitLab's single-policy form (the policy editor's YAML mode), which
 * {@link parsePolicies} reads back to an equal policy. Cadences are single-quoted, as in GitLab's
 * docs, because a cadence that starts with `*` is not a plain YAML scalar.
 */
export function renderPolicyYaml(policy: ScanPolicy): string {
  return new Document(policyObject(policy)).toString({ lineWidth: 0 });
}

/** Several policies as one `scan_execution_policy:` document (a security policy project's `policy.yml`). */
export function renderPoliciesYaml(policies: readonly ScanPolicy[]): string {
  return new Document({ scan_execution_policy: policies.map(policyObject) }).toString({ lineWidth: 0 });
}

function policyObject(policy: ScanPolicy): Record<string, unknown> {
  return {
    name: policy.name,
    ...(policy.description === "" ? {} : { description: policy.description }),
    enabled: policy.enabled,
    rules: policy.rules.map(ruleObject),
    actions: policy.actions.map((action) => ({
      scan: action.scan,
      ...(action.severityThreshold === undefined ? {} : { severity_threshold: action.severityThreshold }),
    })),
  };
}

function ruleObject(rule: ScheduleRule): Record<string, unknown> {
  const cadence = new Scalar(rule.cadence);
  cadence.type = "QUOTE_SINGLE";
  const head = { type: rule.type, cadence, timezone: rule.timezone };
  const first = rule.scopes[0]?.namespaces ?? [];
  const shared = rule.scopes.every((s) => sameList(s.namespaces, first));
  if (shared) {
    // Every cluster covers the same namespaces: Vigil's shorter form.
    return {
      ...head,
      clusters: rule.scopes.map((s) => s.cluster),
      ...(first.length === 0 ? {} : { namespaces: [...first] }),
    };
  }
  return {
    ...head,
    agents: Object.fromEntries(rule.scopes.map((s) => [s.cluster, { namespaces: [...s.namespaces] }])),
  };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
