import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { VigilDatabase } from "../db/create-database.js";
import { policyFields } from "../http/routes/policy-document.js";
import { parsePolicies } from "../scheduler/parse-policies.js";
import { formatPolicyIssue } from "../scheduler/policy-issue.js";
import { renderPolicyYaml } from "../scheduler/render-policy-yaml.js";
import { createScanPolicyRepository } from "../store/scan-policy-repository.js";

/** A policy file that cannot be loaded: every located error, one per line. */
export class PolicyFileError extends Error {
  override readonly name = "PolicyFileError";
  constructor(
    readonly path: string,
    readonly problems: readonly string[],
  ) {
    super(
      `${path} has ${problems.length} error${problems.length === 1 ? "" : "s"}:\n${problems.map((p) => `  ${p}`).join("\n")}`,
    );
  }
}

/** What loading a policy file changed. */
export interface PolicyFileLoad {
  readonly created: readonly string[];
  readonly updated: readonly string[];
  /** Warnings (fields GitLab has that mean nothing for cluster scans), formatted with their line. */
  readonly warnings: readonly string[];
}

/**
 * Loads scan execution policies from a YAML file (`vigil serve --policies FILE`), creating or
 * replacing each policy by name; policies not in the file stay as they are (the API manages
 * them too). A file with any error changes nothing and says where every error is.
 */
export async function loadPolicyFile(
  database: VigilDatabase,
  path: string,
  now: Date,
): Promise<PolicyFileLoad> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new PolicyFileError(path, [`cannot read it: ${(error as Error).message}`]);
  }
  const parsed = parsePolicies(text, path);
  if (parsed.errors.length > 0) throw new PolicyFileError(path, parsed.errors.map(formatPolicyIssue));
  const repository = createScanPolicyRepository(database.db);
  const created: string[] = [];
  const updated: string[] = [];
  for (const policy of parsed.policies) {
    const fields = policyFields(policy, renderPolicyYaml(policy), now);
    const existing = await repository.getByName(policy.name);
    if (existing) {
      await repository.update(existing.id, { ...fields, updatedAt: now.toISOString() });
      updated.push(policy.name);
    } else {
      await repository.create({ ...fields, id: randomUUID(), createdAt: now.toISOString() });
      created.push(policy.name);
    }
  }
  return { created, updated, warnings: parsed.warnings.map(formatPolicyIssue) };
}
