/** Reading the YAML fixtures under ../testdata/ (see PROVENANCE.md there). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";

/** Where the fixtures live. */
export const trivyTestdata = join(import.meta.dirname, "..", "testdata");

/** Every YAML document of a fixture file, as plain data; throws on invalid YAML. */
export function readYamlObjects(path: string): unknown[] {
  const documents = parseAllDocuments(readFileSync(join(trivyTestdata, path), "utf8"));
  return documents.map((document) => {
    if (document.errors.length > 0) throw new Error(`${path}: ${document.errors[0]!.message}`);
    return document.toJS() as unknown;
  });
}

/** The real report examples (not the synthetic ones), by file. */
export const REAL_EXAMPLES = [
  "trivy-operator/vulnerability-report.md-0-VulnerabilityReport.yaml",
  "trivy-operator/vulnerability-report.md-1-VulnerabilityReport.repaired.yaml",
  "trivy-operator/clustervulnerability-report.md-0-ClusterVulnerabilityReport.yaml",
  "trivy-operator/vulnerability-ttl.yaml",
  "starboard/vulnerability-report.md-0-VulnerabilityReport.yaml",
] as const;

/** The synthetic reports shaped like a current Trivy Operator's. */
export const SYNTHETIC_CURRENT = "synthetic/vulnerabilityreports-current.yaml";
