import { badRequest, invalidListOptions } from "./api-status.js";
import { type FieldSelector, FieldSelectorError, parseFieldSelector } from "./field-selector.js";
import { type LabelSelector, LabelSelectorError, parseLabelSelector } from "./label-selector.js";
import type { ResourceType } from "./resource-catalog.js";
import type { IncludeObject } from "./table-printer.js";

/** The query parameters of a list or watch (metav1.ListOptions), parsed and checked. */
export interface ListOptions {
  readonly labelSelector: LabelSelector;
  readonly fieldSelector: FieldSelector;
  /** Page size; 0 means no limit. */
  readonly limit: number;
  readonly continueToken?: string;
  /** `resourceVersion` as sent (`""`, `"0"` and other numbers mean different things). */
  readonly resourceVersion?: string;
  readonly resourceVersionMatch?: string;
  readonly watch: boolean;
  readonly allowWatchBookmarks: boolean;
  readonly sendInitialEvents?: boolean;
  readonly timeoutSeconds?: number;
  /** For Table answers: what each row carries. */
  readonly includeObject: IncludeObject;
}

/** Go's strconv.ParseBool, which apiserver uses for boolean query parameters. */
function parseBool(name: string, value: string | null): boolean | undefined {
  if (value === null) return undefined;
  if (["1", "t", "T", "TRUE", "true", "True"].includes(value)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(value)) return false;
  throw badRequest(`${name}: strconv.ParseBool: parsing ${JSON.stringify(value)}: invalid syntax`);
}

function parseInteger(name: string, value: string | null): number | undefined {
  if (value === null || value === "") return undefined;
  if (!/^-?\d+$/.test(value)) {
    throw badRequest(`${name}: strconv.ParseInt: parsing ${JSON.stringify(value)}: invalid syntax`);
  }
  return Number(value);
}

/**
 * Parses list/watch query parameters, with the checks of apiserver's ValidateListOptions that
 * matter to clients (resourceVersionMatch rules).
 * @throws KubeApiError 400 or 422 as a real server answers
 */
export function parseListOptions(
  query: URLSearchParams,
  type: ResourceType,
  legacyWatch: boolean,
): ListOptions {
  let labelSelector: LabelSelector;
  let fieldSelector: FieldSelector;
  try {
    labelSelector = parseLabelSelector(query.get("labelSelector") ?? "");
    fieldSelector = parseFieldSelector(query.get("fieldSelector") ?? "", type.fieldLabels);
  } catch (error) {
    if (error instanceof LabelSelectorError || error instanceof FieldSelectorError)
      throw badRequest(error.message);
    throw error;
  }
  const watch = legacyWatch || (parseBool("watch", query.get("watch")) ?? false);
  const resourceVersion = query.get("resourceVersion") ?? undefined;
  const resourceVersionMatch = query.get("resourceVersionMatch") || undefined;
  const continueToken = query.get("continue") || undefined;
  const sendInitialEvents = parseBool("sendInitialEvents", query.get("sendInitialEvents"));
  if (!watch && resourceVersionMatch !== undefined) {
    if (!resourceVersion) {
      throw invalidListOptions(
        "resourceVersionMatch",
        "resourceVersionMatch is forbidden unless resourceVersion is provided",
      );
    }
    if (continueToken) {
      throw invalidListOptions(
        "resourceVersionMatch",
        "resourceVersionMatch is forbidden when continue is provided",
      );
    }
    if (resourceVersionMatch !== "Exact" && resourceVersionMatch !== "NotOlderThan") {
      throw badRequest(`unknown ResourceVersionMatch value: ${resourceVersionMatch}`);
    }
    if (resourceVersionMatch === "Exact" && resourceVersion === "0") {
      throw invalidListOptions(
        "resourceVersionMatch",
        'resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
      );
    }
  }
  if (!watch && sendInitialEvents !== undefined) {
    throw invalidListOptions("sendInitialEvents", "sendInitialEvents is forbidden for list");
  }
  const includeObject = query.get("includeObject") ?? "Metadata";
  if (includeObject !== "None" && includeObject !== "Metadata" && includeObject !== "Object") {
    throw badRequest(`includeObject: unsupported value ${JSON.stringify(includeObject)}`);
  }
  return {
    labelSelector,
    fieldSelector,
    limit: Math.max(0, parseInteger("limit", query.get("limit")) ?? 0),
    continueToken,
    resourceVersion,
    resourceVersionMatch,
    watch,
    allowWatchBookmarks: parseBool("allowWatchBookmarks", query.get("allowWatchBookmarks")) ?? false,
    sendInitialEvents,
    timeoutSeconds: parseInteger("timeoutSeconds", query.get("timeoutSeconds")),
    includeObject,
  };
}

/** A resourceVersion query value as a number (apiserver's APIObjectVersioner.ParseResourceVersion). */
export function parseResourceVersion(value: string): number {
  if (!/^\d+$/.test(value)) {
    throw badRequest(
      `invalid resource version: resourceVersion: Invalid value: ${JSON.stringify(value)}: ` +
        `strconv.ParseUint: parsing ${JSON.stringify(value)}: invalid syntax`,
    );
  }
  return Number(value);
}
