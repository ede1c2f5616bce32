import type { Context } from "hono";
import type { RouteAccess } from "./role.js";

/** A JSON Schema (the subset OpenAPI 3.1 takes as is). */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** One query or path parameter. */
export interface ParameterDefinition {
  readonly name: string;
  readonly in: "query" | "path";
  readonly required?: boolean;
  readonly description: string;
  readonly schema: JsonSchema;
}

/**
 * One HTTP route: the single definition that both registers the handler and describes it in
 * the OpenAPI document, so the two cannot drift apart.
 */
export interface RouteDefinition {
  readonly method: "get" | "post" | "put" | "patch" | "delete";
  /** Hono path syntax, e.g. `/api/v1/clusters/:id`. */
  readonly path: string;
  /** The least role that may call it (enforced once users land; declared now). */
  readonly access: RouteAccess;
  readonly summary: string;
  readonly tags: readonly string[];
  readonly parameters?: readonly ParameterDefinition[];
  readonly requestBody?: {
    readonly description: string;
    readonly contentType: string;
    readonly schema: JsonSchema;
    /** Further media types the body may be sent as (YAML besides JSON, say), with their schemas. */
    readonly otherContentTypes?: Readonly<Record<string, JsonSchema>>;
    /** The largest body taken, in bytes; default {@link DEFAULT_MAX_BODY_BYTES}. Larger: 413. */
    readonly maxBytes?: number;
  };
  /** Response descriptions by status code, with the success schema. */
  readonly responses: Readonly<
    Record<
      number,
      { readonly description: string; readonly schema?: JsonSchema; readonly contentType?: string }
    >
  >;
  readonly handler: (c: Context) => Response | Promise<Response>;
}

/**
 * The largest request body a route takes unless it says otherwise: every JSON request of the
 * API fits with room to spare, and a client cannot make the server hold an unbounded body.
 */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** An error whose status and message an API client should see (400, 404, 409, 503 ...). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: unknown,
    options?: { readonly cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ApiError";
  }
}
