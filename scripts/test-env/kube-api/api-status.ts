import type { ResourceType } from "./resource-catalog.js";

/** `details` of a `Status`. */
export interface KubeStatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: { reason?: string; message: string; field?: string }[];
  retryAfterSeconds?: number;
}

/** A `meta.k8s.io/v1` `Status` failure body, as the API server sends it with an error code. */
export interface KubeStatus {
  kind: "Status";
  apiVersion: "v1";
  metadata: { continue?: string };
  status: "Failure";
  message: string;
  reason: string;
  details?: KubeStatusDetails;
  code: number;
}

/** A request failed with a Kubernetes `Status`; the server sends `status` with `status.code`. */
export class KubeApiError extends Error {
  readonly status: KubeStatus;
  constructor(status: KubeStatus, options?: { cause?: unknown }) {
    super(status.message, options);
    this.name = "KubeApiError";
    this.status = status;
  }
}

function failure(
  code: number,
  reason: string,
  message: string,
  details?: KubeStatusDetails,
  metadata: { continue?: string } = {},
): KubeApiError {
  // key order as apiserver's JSON encoding of metav1.Status
  return new KubeApiError({
    kind: "Status",
    apiVersion: "v1",
    metadata,
    status: "Failure",
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  });
}

/** `details` naming an object of a resource: `{name, group, kind: <plural>}` without empty fields. */
function objectDetails(type: ResourceType, name: string): KubeStatusDetails {
  const details: KubeStatusDetails = {};
  if (name) details.name = name;
  if (type.group) details.group = type.group;
  details.kind = type.plural;
  return details;
}

/** 401: no bearer token, or one the server does not know. */
export function unauthorized(): KubeApiError {
  return failure(401, "Unauthorized", "Unauthorized");
}

/**
 * 403 in the wording of apiserver's responsewriters.forbiddenMessage and errors.NewForbidden, e.g.
 * `pods is forbidden: User "u" cannot list resource "pods" in API group "" in the namespace "ns"`.
 */
export function forbidden(
  type: ResourceType,
  request: { user: string; verb: string; namespace?: string; name?: string },
): KubeApiError {
  const scope = request.namespace
    ? `in the namespace ${JSON.stringify(request.namespace)}`
    : "at the cluster scope";
  const reason =
    `User ${JSON.stringify(request.user)} cannot ${request.verb} resource ${JSON.stringify(type.plural)} ` +
    `in API group ${JSON.stringify(type.group)} ${scope}`;
  const subject = request.name ? `${type.qualifiedName} ${JSON.stringify(request.name)}` : type.qualifiedName;
  return failure(
    403,
    "Forbidden",
    `${subject} is forbidden: ${reason}`,
    objectDetails(type, request.name ?? ""),
  );
}

/** 404 for an object that does not exist: `pods "x" not found`, `deployments.apps "x" not found`. */
export function notFound(type: ResourceType, name: string): KubeApiError {
  return failure(
    404,
    "NotFound",
    `${type.qualifiedName} ${JSON.stringify(name)} not found`,
    objectDetails(type, name),
  );
}

/** 404 for a URL that names no resource this server has. */
export function resourceNotFound(): KubeApiError {
  return failure(404, "NotFound", "the server could not find the requested resource", {});
}

/** 405 for a verb the resource does not offer (any write: this server is read-only over HTTP). */
export function methodNotAllowed(): KubeApiError {
  return failure(
    405,
    "MethodNotAllowed",
    "the server does not allow this method on the requested resource",
    {},
  );
}

/** 409 when a test adds an object that exists already. */
export function alreadyExists(type: ResourceType, name: string): KubeApiError {
  return failure(
    409,
    "AlreadyExists",
    `${type.qualifiedName} ${JSON.stringify(name)} already exists`,
    objectDetails(type, name),
  );
}

/** 400 with apiserver's message, e.g. `invalid continue token: ...`. */
export function badRequest(message: string): KubeApiError {
  return failure(400, "BadRequest", message);
}

/**
 * 422 for list options validation.ValidateListOptions rejects, e.g. `ListOptions.meta.k8s.io ""
 * is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless
 * resourceVersion is provided`.
 */
export function invalidListOptions(field: string, detail: string): KubeApiError {
  const cause = `Forbidden: ${detail}`;
  return failure(422, "Invalid", `ListOptions.meta.k8s.io "" is invalid: ${field}: ${cause}`, {
    group: "meta.k8s.io",
    kind: "ListOptions",
    causes: [{ reason: "FieldValueForbidden", message: cause, field }],
  });
}

/**
 * 410 Expired (errors.NewResourceExpired): a list `resourceVersion` or a watch start older than
 * the compaction point; with `continueToken`, etcd3's answer to an expired continue token, which
 * offers a token that continues (inconsistently) at the latest resourceVersion.
 */
export function expired(message: string, continueToken?: string): KubeApiError {
  return failure(410, "Expired", message, undefined, continueToken ? { continue: continueToken } : {});
}

/** The message of a 410 for a list continue token older than the compaction point (etcd3 store.go). */
export const INCONSISTENT_CONTINUE_MESSAGE =
  "The provided continue parameter is too old to display a consistent list result. You can start a " +
  "new list without the continue parameter, or use the continue token in this response to retrieve " +
  "the remainder of the results. Continuing with the provided token results in an inconsistent list " +
  "- objects that were created, modified, or deleted between the time the first chunk was returned " +
  "and now may show up in the list.";

/** The message of a 410 for a list at an exact resourceVersion older than the compaction point. */
export const EXPIRED_LIST_MESSAGE = "The resourceVersion for the provided list is too old.";

/** 504 for a resourceVersion newer than the server's (storage.NewTooLargeResourceVersionError). */
export function tooLargeResourceVersion(requested: number, current: number): KubeApiError {
  return failure(504, "Timeout", `Too large resource version: ${requested}, current: ${current}`, {
    causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }],
    retryAfterSeconds: 1,
  });
}

/** 500 for a bug in the test server itself, so a client sees a Status rather than a dropped connection. */
export function internalError(message: string): KubeApiError {
  return failure(500, "InternalError", `Internal error occurred: ${message}`, { causes: [{ message }] });
}
