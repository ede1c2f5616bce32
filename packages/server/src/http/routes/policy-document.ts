import type { Context } from "hono";
import { isMap, isScalar, isSeq, parseDocument } from "yaml";
import { nextRun } from "../../scheduler/cadence.js";
import { parsePolicies } from "../../scheduler/parse-policies.js";
import type { PolicyIssue } from "../../scheduler/policy-issue.js";
import { renderPolicyYaml } from "../../scheduler/render-policy-yaml.js";
import type { ScanPolicy } from "../../scheduler/scan-policy.js";
import type { ScanPolicyFields, ScanPolicyRecord } from "../../store/scan-policy-repository.js";
import { ApiError } from "../route-definition.js";
import { badInput, isJsonMediaType, mediaType } from "./request-input.js";

/** Media types a policy may be sent as besides JSON. */
export const YAML_MEDIA_TYPES = ["application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"];

/** Where policy issues say the document came from. */
const SOURCE = "api";

/** One policy read from a request body. */
export interface PolicyDocument {
  readonly policy: ScanPolicy;
  /** The YAML to keep: as written, or rendered from a JSON body. */
  readonly yaml: string;
  /** GitLab-only parts that were skipped, located. */
  readonly warnings: readonly PolicyIssue[];
}

/**
 * The one policy of a request body: YAML (`application/yaml`, or no content type) or JSON (the
 * same structure; JSON is YAML, so issues are located in the JSON text). 400 with every located
 * error of `parsePolicies` (line, column, path, reason) when it does not parse or validate.
 */
export async function readPolicyDocument(c: Context): Promise<PolicyDocument> {
  const type = mediaType(c);
  const json = isJsonMediaType(type);
  if (type !== "" && !json && !YAML_MEDIA_TYPES.includes(type)) {
    throw new ApiError(415, `send the policy as application/yaml or application/json, not ${type}`, {
      contentType: type,
    });
  }
  const text = await c.req.text();
  if (text.trim() === "") throw badInput("body", "the request has no body; send one policy as YAML");
  if (json) {
    try {
      JSON.parse(text);
    } catch (error) {
      throw badInput("body", `not valid JSON (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  const document = parseOnePolicy(text);
  return json ? { ...document, yaml: renderPolicyYaml(document.policy) } : document;
}

/** The one policy of a YAML text, or a 400 with the located errors. */
export function parseOnePolicy(text: string): PolicyDocument {
  const result = parsePolicies(text, SOURCE);
  if (result.errors.length > 0) {
    const first = result.errors[0]!;
    throw new ApiError(
      400,
      `the policy is not valid (${result.errors.length} error${result.errors.length === 1 ? "" : "s"}); ` +
        `first at line ${first.line}, column ${first.column}${first.path ? ` (${first.path})` : ""}: ${first.reason}`,
      { errors: result.errors, warnings: result.warnings },
    );
  }
  if (result.policies.length !== 1) {
    throw new ApiError(
      400,
      result.policies.length === 0
        ? "the document holds no scan execution policy; send one"
        : `send one policy per request; the document holds ${result.policies.length} (${result.policies.map((p) => p.name).join(", ")})`,
      { errors: [], warnings: result.warnings },
    );
  }
  return { policy: result.policies[0]!, yaml: text, warnings: result.warnings };
}

/**
 * The columns the store keeps beside the YAML, which stays the whole truth: the first rule's
 * cadence and time zone, every cluster and namespace the rules name (no namespaces when any
 * scope covers all of them), the threshold, and the next run over all rules (none while
 * disabled).
 */
export function policyFields(policy: ScanPolicy, yaml: string, now: Date): ScanPolicyFields {
  const scopes = policy.rules.flatMap((r) => r.scopes);
  const everyNamespace = scopes.some((s) => s.namespaces.length === 0);
  const next = policy.enabled ? nextRunOf(policy, now) : undefined;
  return {
    name: policy.name,
    enabled: policy.enabled,
    cadence: policy.rules[0]!.cadence,
    timezone: policy.rules[0]!.timezone,
    clusters: [...new Set(scopes.map((s) => s.cluster))],
    namespaces: everyNamespace ? [] : [...new Set(scopes.flatMap((s) => s.namespaces))],
    // `unknown` is the lowest level: without a threshold every finding is reported
    severityThreshold: policy.actions.find((a) => a.severityThreshold)?.severityThreshold ?? "unknown",
    yaml,
    ...(next ? { nextRunAt: next.toISOString() } : {}),
  };
}

/** The earliest next run of any rule after `now`. */
export function nextRunOf(policy: ScanPolicy, now: Date): Date | undefined {
  let soonest: Date | undefined;
  for (const rule of policy.rules) {
    const next = nextRun(rule.cadence, rule.timezone, now);
    if (next && (!soonest || next < soonest)) soonest = next;
  }
  return soonest;
}

/** A stored policy as the API shows it: the record, its parsed form and any warnings. */
export function policyResponse(record: ScanPolicyRecord, warnings?: readonly PolicyIssue[]) {
  const parsed = parsePolicies(record.yaml, SOURCE);
  return {
    ...record,
    ...(parsed.policies[0] ? { policy: parsed.policies[0] } : {}),
    ...(warnings && warnings.length > 0 ? { warnings } : {}),
  };
}

/**
 * The policy's YAML with `enabled` set, edited in place so that the author's comments,
 * order and quoting stay; rendered anew only if the edit did not take.
 */
export function withEnabled(document: PolicyDocument, enabled: boolean): string {
  const doc = parseDocument(document.yaml);
  const path = policyPath(doc.contents, document.policy.name);
  if (path) {
    doc.setIn([...path, "enabled"], enabled);
    const edited = doc.toString({ lineWidth: 0 });
    const check = parsePolicies(edited, SOURCE);
    if (check.errors.length === 0 && check.policies.length === 1 && check.policies[0]!.enabled === enabled) {
      return edited;
    }
  }
  return renderPolicyYaml({ ...document.policy, enabled });
}

/** The path of the mapping that holds the policy named `name`, in any of the three document forms. */
function policyPath(contents: unknown, name: string): (string | number)[] | undefined {
  const named = (node: unknown) =>
    isMap(node) && isScalar(node.get("name", true)) && node.get("name") === name;
  if (isMap(contents) && contents.has("scan_execution_policy")) {
    const inner = contents.get("scan_execution_policy", true);
    if (isMap(inner)) return ["scan_execution_policy"];
    if (isSeq(inner)) {
      const index = inner.items.findIndex(named);
      return index >= 0 ? ["scan_execution_policy", index] : undefined;
    }
    return undefined;
  }
  if (isSeq(contents)) {
    const index = contents.items.findIndex(named);
    return index >= 0 ? [index] : undefined;
  }
  return isMap(contents) ? [] : undefined;
}
