/**
 * deploy/rbac.yaml grants exactly what Vigil reads and nothing more (ARCHITECTURE.md section 7):
 * no write verb, no wildcard, secrets only by name. A new need changes the YAML and the
 * expected rule set here together.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";

interface PolicyRule {
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly resourceNames?: readonly string[];
  readonly nonResourceURLs?: readonly string[];
  readonly verbs: readonly string[];
}

interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly rules?: readonly PolicyRule[];
  readonly aggregationRule?: unknown;
  readonly roleRef?: { readonly apiGroup: string; readonly kind: string; readonly name: string };
  readonly subjects?: readonly {
    readonly kind: string;
    readonly name: string;
    readonly namespace?: string;
  }[];
}

const documents = parseAllDocuments(readFileSync(join(import.meta.dirname, "rbac.yaml"), "utf8"));
const objects = documents.map((document) => {
  if (document.errors.length > 0) throw new Error(`deploy/rbac.yaml: ${document.errors[0]!.message}`);
  return document.toJS() as KubeObject;
});
const clusterRole = objects.find((o) => o.kind === "ClusterRole")!;
const rules = clusterRole.rules ?? [];

/** Every (group, resource, verb) a rule grants, as `group/resource verb` (core group written ""). */
const grants = (rule: PolicyRule) =>
  (rule.apiGroups ?? []).flatMap((group) =>
    (rule.resources ?? []).flatMap((resource) => rule.verbs.map((verb) => `${group}/${resource} ${verb}`)),
  );

/** Verbs that change anything, or that reach beyond reading (RBAC's escalate, bind, impersonate). */
const WRITE_VERBS = [
  "create",
  "update",
  "patch",
  "delete",
  "deletecollection",
  "escalate",
  "bind",
  "impersonate",
];

describe("deploy/rbac.yaml", () => {
  it("holds a ServiceAccount vigil in namespace vigil, the ClusterRole vigil-reader and its binding, and no Namespace", () => {
    expect(
      objects.map((o) => `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}`),
    ).toEqual([
      "v1 ServiceAccount vigil/vigil",
      "rbac.authorization.k8s.io/v1 ClusterRole /vigil-reader",
      "rbac.authorization.k8s.io/v1 ClusterRoleBinding /vigil-reader",
    ]);
    const binding = objects.find((o) => o.kind === "ClusterRoleBinding")!;
    expect(binding.roleRef).toEqual({
      apiGroup: "rbac.authorization.k8s.io",
      kind: "ClusterRole",
      name: "vigil-reader",
    });
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "vigil", namespace: "vigil" }]);
  });

  it("grants no write verb anywhere", () => {
    const verbs = rules.flatMap((rule) => rule.verbs.map((verb) => verb.toLowerCase()));
    expect(verbs.filter((verb) => WRITE_VERBS.includes(verb))).toEqual([]);
  });

  it("uses no wildcard, no resource names, no non-resource URLs and no aggregation", () => {
    for (const rule of rules) {
      for (const value of [...(rule.apiGroups ?? []), ...(rule.resources ?? []), ...rule.verbs]) {
        expect(value).not.toContain("*");
      }
      expect(rule.resources?.length).toBeGreaterThan(0);
      expect(rule.apiGroups?.length).toBeGreaterThan(0);
      expect(rule).not.toHaveProperty("resourceNames");
      expect(rule).not.toHaveProperty("nonResourceURLs");
    }
    expect(clusterRole).not.toHaveProperty("aggregationRule");
  });

  it("lets secrets be read only by name: get, never list or watch", () => {
    const secretGrants = rules.flatMap(grants).filter((g) => g.startsWith("/secrets "));
    expect(secretGrants).toEqual(["/secrets get"]);
  });

  it("grants exactly the rule set Vigil needs", () => {
    expect(rules.flatMap(grants).sort()).toEqual(
      [
        "/pods list",
        "/pods watch",
        "/namespaces list",
        "/namespaces watch",
        "/serviceaccounts get",
        "/secrets get",
        "apps/replicasets get",
        "apps/replicasets list",
        "batch/jobs get",
        "batch/jobs list",
        "aquasecurity.github.io/vulnerabilityreports list",
        "aquasecurity.github.io/vulnerabilityreports watch",
        "aquasecurity.github.io/clustervulnerabilityreports list",
        "aquasecurity.github.io/clustervulnerabilityreports watch",
      ].sort(),
    );
  });

  it("says in a comment why each rule exists", () => {
    const seq = documents[1]!.get("rules") as {
      commentBefore?: string | null;
      items: { commentBefore?: string | null }[];
    };
    expect(seq.items).toHaveLength(rules.length);
    // The parser gives the comment above the first item to the list itself.
    const comments = seq.items.map((item, i) => (i === 0 ? seq.commentBefore : item.commentBefore));
    for (const comment of comments) expect(comment?.trim()).toBeTruthy();
  });
});
