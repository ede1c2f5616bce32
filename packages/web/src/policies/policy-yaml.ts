/** What the policy form asks for: the common shape of a scan execution policy. */
export interface PolicyFormFields {
  readonly name: string;
  readonly description: string;
  readonly cadence: string;
  readonly timezone: string;
  readonly clusters: string;
  readonly namespaces: string;
  readonly severityThreshold: string;
}

/** A new policy's form: nightly, every cluster and namespace. */
export const NEW_POLICY: PolicyFormFields = {
  name: "nightly",
  description: "Scan every running image each night",
  cadence: "0 2 * * *",
  timezone: "UTC",
  clusters: "",
  namespaces: "",
  severityThreshold: "low",
};

/**
 * The policy YAML of the form's fields (the server parses and validates it, and answers located
 * errors). Values are quoted as JSON strings, which YAML reads unchanged, so no field can
 * break out of its line.
 */
export function policyYamlOf(fields: PolicyFormFields): string {
  const list = (text: string) =>
    `[${text
      .split(",")
      .map((v) => v.trim())
      .filter((v) => v !== "")
      .map((v) => JSON.stringify(v))
      .join(", ")}]`;
  const lines = [
    `name: ${JSON.stringify(fields.name)}`,
    ...(fields.description.trim() !== ""
      ? [`description: ${JSON.stringify(fields.description.trim())}`]
      : []),
    "enabled: true",
    "rules:",
    "  - type: schedule",
    `    cadence: ${JSON.stringify(fields.cadence)}`,
    `    timezone: ${JSON.stringify(fields.timezone)}`,
    ...(fields.clusters.trim() !== "" ? [`    clusters: ${list(fields.clusters)}`] : []),
    ...(fields.namespaces.trim() !== "" ? [`    namespaces: ${list(fields.namespaces)}`] : []),
    "actions:",
    "  - scan: cluster_image_scanning",
    `    severity_threshold: ${JSON.stringify(fields.severityThreshold)}`,
  ];
  return `${lines.join("\n")}\n`;
}
