import { FINDING_STATES, SEVERITY_LEVELS } from "@vigil/core";
import type { Context } from "hono";
import type { FindingFilter, FindingSort } from "../../store/finding-filter.js";
import type { FindingQuery } from "../../store/finding-repository.js";
import type { ParameterDefinition } from "../route-definition.js";
import { cursorParameter } from "./api-schemas.js";
import { badInput, isObject, oneOf } from "./request-input.js";

/**
 * The findings filter as query parameters (`GET /api/v1/findings`, the summary, the exports)
 * and as a JSON object (the bulk state change's `filter`): the same names, snake_case, and the
 * same rules. A list matches any of its values; every given condition must hold.
 */

/** Most findings a page holds. */
export const MAX_FINDINGS_PAGE = 500;

const FINDING_SORTS: readonly FindingSort[] = ["severity", "last_seen", "first_seen"];
const REPORT_TYPES = ["operational", "development"] as const;

type Kind = "string" | "list" | "enum-list" | "boolean" | "enum";

interface FilterField {
  readonly name: string;
  readonly kind: Kind;
  readonly description: string;
  readonly values?: readonly string[];
}

/** The filter fields, in the order the OpenAPI document lists them. */
const FILTER_FIELDS: readonly FilterField[] = [
  {
    name: "report_type",
    kind: "enum",
    values: REPORT_TYPES,
    description: "Found in a cluster or in a CI pipeline",
  },
  { name: "cluster", kind: "list", description: "Cluster ids (repeatable)" },
  { name: "namespace", kind: "list", description: "Namespaces (repeatable)" },
  { name: "workload_kind", kind: "string", description: "Workload kind: Deployment, DaemonSet, CronJob ..." },
  { name: "workload_name", kind: "string", description: "Workload name" },
  { name: "container", kind: "string", description: "Container name" },
  { name: "image_digest", kind: "string", description: "The digest the container runs" },
  { name: "package", kind: "list", description: "Exact package names (repeatable)" },
  {
    name: "severity",
    kind: "enum-list",
    values: SEVERITY_LEVELS,
    description: "Severity levels (repeatable, or comma-separated)",
  },
  {
    name: "state",
    kind: "enum-list",
    values: FINDING_STATES,
    description: "States (repeatable, or comma-separated)",
  },
  { name: "fixable", kind: "boolean", description: "Has a fixed version (true) or not (false)" },
  { name: "kev", kind: "boolean", description: "In CISA's Known Exploited Vulnerabilities catalog" },
  { name: "project", kind: "string", description: "Development findings: the project" },
  { name: "branch", kind: "string", description: "Development findings: the branch" },
  { name: "q", kind: "string", description: "Part of the advisory id or package name, case-insensitive" },
];

/** Names of the filter's query parameters. */
export const FILTER_PARAMETER_NAMES: readonly string[] = FILTER_FIELDS.map((f) => f.name);

/** The filter's query parameters, for route definitions. */
export const FILTER_PARAMETERS: readonly ParameterDefinition[] = FILTER_FIELDS.map((f) => ({
  name: f.name,
  in: "query",
  description: f.description,
  schema:
    f.kind === "boolean"
      ? { type: "boolean" }
      : f.kind === "enum"
        ? { type: "string", enum: [...f.values!] }
        : f.kind === "enum-list"
          ? { type: "array", items: { type: "string", enum: [...f.values!] } }
          : f.kind === "list"
            ? { type: "array", items: { type: "string" } }
            : { type: "string" },
}));

/** The page parameters of the list. */
export const PAGE_PARAMETERS: readonly ParameterDefinition[] = [
  {
    name: "sort",
    in: "query",
    description:
      "`severity` (most severe first), `last_seen` or `first_seen` (newest first); default severity",
    schema: { type: "string", enum: [...FINDING_SORTS] },
  },
  {
    name: "order",
    in: "query",
    description: "`desc` (default) or `asc` to reverse the sort",
    schema: { type: "string", enum: ["desc", "asc"] },
  },
  cursorParameter("`nextCursor` of the previous page (same sort)"),
  {
    name: "limit",
    in: "query",
    description: `Findings per page, 1 … ${MAX_FINDINGS_PAGE} (default 50)`,
    schema: { type: "integer", minimum: 1, maximum: MAX_FINDINGS_PAGE },
  },
];

/** Where filter values come from: every value given for a name, or undefined when absent. */
type ValueSource = (name: string) => readonly unknown[] | undefined;

function readFilter(source: ValueSource, prefix: string): FindingFilter {
  const out: Record<string, unknown> = {};
  for (const field of FILTER_FIELDS) {
    const raw = source(field.name);
    if (raw === undefined) continue;
    const where = `${prefix}${field.name}`;
    const texts = raw.map((v) => (typeof v === "boolean" ? String(v) : v));
    if (!texts.every((v): v is string => typeof v === "string")) {
      throw badInput(
        where,
        field.kind === "boolean" ? "expected true or false" : "expected text or a list of text",
      );
    }
    const items = (field.kind === "enum-list" ? texts.flatMap((v) => v.split(",")) : texts)
      .map((v) => v.trim())
      .filter((v) => v !== "");
    // an empty value (`?cluster=`, as forms send) is no condition
    if (items.length === 0) continue;
    const single = () => {
      if (items.length > 1) throw badInput(where, "give it once");
      return items[0]!;
    };
    switch (field.kind) {
      case "string":
        out[field.name] = single();
        break;
      case "enum":
        out[field.name] = oneOf(single(), field.values!, where);
        break;
      case "boolean": {
        const value = single();
        if (!["true", "false", "1", "0"].includes(value)) {
          throw badInput(where, `expected true or false, not ${JSON.stringify(value)}`);
        }
        out[field.name] = value === "true" || value === "1";
        break;
      }
      case "list":
        out[field.name] = [...new Set(items)];
        break;
      case "enum-list":
        out[field.name] = [...new Set(items.map((v) => oneOf(v, field.values!, where)))];
        break;
    }
  }
  return toFilter(out);
}

function toFilter(v: Record<string, unknown>): FindingFilter {
  const filter: { -readonly [K in keyof FindingFilter]: FindingFilter[K] } = {};
  if (v.report_type !== undefined) filter.reportType = v.report_type as FindingFilter["reportType"];
  if (v.cluster !== undefined) filter.clusterIds = v.cluster as string[];
  if (v.namespace !== undefined) filter.namespaces = v.namespace as string[];
  if (v.workload_kind !== undefined) filter.workloadKind = v.workload_kind as string;
  if (v.workload_name !== undefined) filter.workloadName = v.workload_name as string;
  if (v.container !== undefined) filter.containerName = v.container as string;
  if (v.image_digest !== undefined) filter.imageDigest = v.image_digest as string;
  if (v.package !== undefined) filter.packageNames = v.package as string[];
  if (v.severity !== undefined) filter.severities = v.severity as FindingFilter["severities"];
  if (v.state !== undefined) filter.states = v.state as FindingFilter["states"];
  if (v.fixable !== undefined) filter.fixable = v.fixable as boolean;
  if (v.kev !== undefined) filter.kev = v.kev as boolean;
  if (v.project !== undefined) filter.project = v.project as string;
  if (v.branch !== undefined) filter.branch = v.branch as string;
  if (v.q !== undefined) filter.text = v.q as string;
  return filter;
}

/** Refuses query parameters other than the filter's and `extra`. */
export function checkFindingQueryNames(c: Context, extra: readonly string[]): void {
  const allowed = [...FILTER_PARAMETER_NAMES, ...extra];
  for (const name of Object.keys(c.req.queries())) {
    if (!allowed.includes(name)) {
      throw badInput(`query.${name}`, `unknown query parameter; allowed: ${allowed.join(", ")}`);
    }
  }
}

/** The filter of a request's query parameters. */
export function findingFilterOfQuery(c: Context): FindingFilter {
  return readFilter((name) => c.req.queries(name), "query.");
}

/** The filter of a JSON object (the bulk change's `filter`), with `field` naming it in errors. */
export function findingFilterOfObject(value: unknown, field: string): FindingFilter {
  if (!isObject(value)) throw badInput(field, "expected an object of filter fields");
  for (const key of Object.keys(value)) {
    if (!FILTER_PARAMETER_NAMES.includes(key)) {
      throw badInput(
        `${field}.${key}`,
        `unknown filter field; allowed: ${FILTER_PARAMETER_NAMES.join(", ")}`,
      );
    }
  }
  return readFilter((name) => {
    const v = value[name];
    if (v === undefined || v === null) return undefined;
    return Array.isArray(v) ? v : [v];
  }, `${field}.`);
}

/** The page request of a request's query parameters: filter, sort, order, cursor, limit. */
export function findingQueryOfQuery(c: Context): FindingQuery {
  const filter = findingFilterOfQuery(c);
  const one = (name: string) => {
    const values = c.req.queries(name);
    if (values === undefined || values[0] === "") return undefined;
    if (values.length > 1) throw badInput(`query.${name}`, "give it at most once");
    return values[0]!;
  };
  const sort = one("sort");
  const order = one("order");
  const cursor = one("cursor");
  const limitText = one("limit");
  let limit: number | undefined;
  if (limitText !== undefined) {
    limit = Number(limitText);
    if (!/^\d+$/.test(limitText) || limit < 1 || limit > MAX_FINDINGS_PAGE) {
      throw badInput(
        "query.limit",
        `expected an integer from 1 to ${MAX_FINDINGS_PAGE}, not ${JSON.stringify(limitText)}`,
      );
    }
  }
  return {
    ...filter,
    ...(sort !== undefined ? { sort: oneOf(sort, FINDING_SORTS, "query.sort") } : {}),
    ...(order !== undefined ? { direction: oneOf(order, ["desc", "asc"] as const, "query.order") } : {}),
    ...(cursor !== undefined ? { cursor } : {}),
    ...(limit !== undefined ? { limit } : {}),
  };
}

/** Whether a filter has any condition (a bulk change through an empty filter would touch everything). */
export function hasConditions(filter: FindingFilter): boolean {
  return Object.values(filter).some((v) => v !== undefined);
}
