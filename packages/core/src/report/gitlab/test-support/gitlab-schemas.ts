/**
 * Validators for the vendored GitLab 15.0.7 report schemas (../testdata/gitlab-schemas/,
 * see PROVENANCE.md there). Draft-07, as their `$schema` says: Ajv's default class.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import AjvModule, { type ErrorObject } from "ajv";
import addFormatsModule from "ajv-formats";

// ajv and ajv-formats are CommonJS: under NodeNext the default import is `module.exports`,
// whose `default` property is the class / plugin.
const Ajv = (AjvModule as unknown as { default: typeof AjvModule.default }).default;
const addFormats = (addFormatsModule as unknown as { default: typeof addFormatsModule.default }).default;

/** Where the vendored schemas, the goldens and the Trivy reports live. */
export const gitlabTestdata = join(import.meta.dirname, "..", "testdata");

/** Read a JSON file under testdata/. */
export function readTestdataJson(path: string): unknown {
  return JSON.parse(readFileSync(join(gitlabTestdata, path), "utf8"));
}

const SCHEMA_FILES = {
  container_scanning: "gitlab-schemas/container-scanning-report-format-15.0.7.json",
  cluster_image_scanning: "gitlab-schemas/cluster-image-scanning-report-format-15.0.7.json",
} as const;

// strict: false because the schemas carry GitLab's own top-level `self` keyword and `$ref` with siblings.
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validators = Object.fromEntries(
  Object.entries(SCHEMA_FILES).map(([type, file]) => [type, ajv.compile(readTestdataJson(file) as object)]),
) as Record<keyof typeof SCHEMA_FILES, ReturnType<typeof ajv.compile>>;

/** The schema's errors for a report (empty when valid). */
export function gitlabSchemaErrors(type: keyof typeof SCHEMA_FILES, report: unknown): ErrorObject[] {
  const validate = validators[type];
  return validate(report) ? [] : [...(validate.errors ?? [])];
}
