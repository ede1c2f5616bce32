import type { IssueSeverity, LocatedIssue } from "../../model/issue.js";
import { TRIVY_OPERATOR_SOURCE } from "./trivy-report.js";

/**
 * Records issues about one Kubernetes object. The location treats the object like a file:
 * `path` names the object (`namespace/name`, or `name` when cluster-scoped) and `record` the
 * field inside it (`report.vulnerabilities[3].severity`), so issues sort by object, then field.
 */
export class TrivyIssueRecorder {
  readonly issues: LocatedIssue[] = [];
  private image: string | undefined;

  constructor(
    /** How messages name the object, e.g. `VulnerabilityReport default/replicaset-nginx-6d4cf56db6-nginx`. */
    private readonly what: string,
    private readonly path: string | undefined,
  ) {}

  /** Every issue of the object names the image from now on, those recorded before included. */
  setImage(image: string): void {
    this.image = image;
    for (let i = 0; i < this.issues.length; i++) {
      const issue = this.issues[i]!;
      if (!issue.location.image) this.issues[i] = { ...issue, location: { image, ...issue.location } };
    }
  }

  add(severity: IssueSeverity, code: string, field: string | undefined, message: string): void {
    this.issues.push({
      severity,
      code,
      message: `${this.what}: ${message}`,
      source: TRIVY_OPERATOR_SOURCE,
      location: {
        ...(this.image ? { image: this.image } : {}),
        ...(this.path ? { path: this.path } : {}),
        ...(field ? { record: field } : {}),
      },
    });
  }
}

/** A plain object (not null, not an array). */
export function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The object at `key`, or undefined. */
export function recordAt(
  value: Readonly<Record<string, unknown>> | undefined,
  key: string,
): Readonly<Record<string, unknown>> | undefined {
  const child = value?.[key];
  return isRecord(child) ? child : undefined;
}

/**
 * The string at `key`, trimmed; `undefined` when absent or empty. A number (YAML reads an
 * unquoted `tag: 1.16` as one) is taken as its decimal text with a warning, since `1.10`
 * would already have become `1.1`.
 */
export function textAt(
  value: Readonly<Record<string, unknown>> | undefined,
  key: string,
  issues: TrivyIssueRecorder,
  field: string,
): string | undefined {
  const raw = value?.[key];
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === "string") return raw.trim() || undefined;
  if (typeof raw === "number" && Number.isFinite(raw)) {
    issues.add(
      "warning",
      "trivy-number-for-string",
      field,
      `${field} is the number ${raw}, not a string; read as "${raw}".`,
    );
    return String(raw);
  }
  issues.add(
    "warning",
    "trivy-invalid-field",
    field,
    `${field} is a ${typeName(raw)}, not a string; ignored.`,
  );
  return undefined;
}

/** A readable name for a JSON value's type. */
export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "list";
  return typeof value === "object" ? "map" : typeof value;
}
