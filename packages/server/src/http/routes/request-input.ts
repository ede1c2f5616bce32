import type { Context } from "hono";
import { ApiError } from "../route-definition.js";

/**
 * Reading and checking request input. Every refusal is a 400 {@link ApiError} whose message
 * names the field and whose details say `{ field, reason }`, so a client (or a person reading
 * the response) knows what to change.
 */

/** One refused input field: where (`state`, `query.limit`, `vulnerabilities[3].severity`) and why. */
export interface InputProblem {
  readonly field: string;
  readonly reason: string;
}

/** A 400 for one field. */
export function badInput(field: string, reason: string): ApiError {
  return new ApiError(400, `${field}: ${reason}`, { field, reason });
}

/** A 400 for several fields (the first few, so an answer stays small). */
export function badInputs(message: string, problems: readonly InputProblem[], limit = 20): ApiError {
  return new ApiError(400, `${message}: ${problems.map((p) => `${p.field}: ${p.reason}`).join("; ")}`, {
    problems: problems.slice(0, limit),
    ...(problems.length > limit ? { more: problems.length - limit } : {}),
  });
}

/** A 404 for an unknown id of a kind of resource. */
export function notFound(kind: string, id: string): ApiError {
  return new ApiError(404, `no ${kind} with the id ${JSON.stringify(id)}`, { kind, id });
}

/** The media type of the request body, lower-cased, without parameters (`application/json`). */
export function mediaType(c: Context): string {
  return (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
}

/** Whether a media type is JSON (`application/json`, `application/*+json`). */
export function isJsonMediaType(type: string): boolean {
  return type === "application/json" || /^application\/[\w.+-]*\+json$/.test(type);
}

/** The request body as JSON; 415 when it is sent as something else, 400 when it does not parse. */
export async function readJsonBody(c: Context): Promise<unknown> {
  const type = mediaType(c);
  if (type !== "" && !isJsonMediaType(type)) {
    throw new ApiError(415, `send the body as application/json, not ${type}`, { contentType: type });
  }
  const text = await c.req.text();
  if (text.trim() === "") throw badInput("body", "the request has no body; send a JSON object");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw badInput("body", `not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}

/** A JSON body that must be an object. */
export async function readJsonObject(c: Context): Promise<Record<string, unknown>> {
  const body = await readJsonBody(c);
  if (!isObject(body)) throw badInput("body", "expected a JSON object");
  return body;
}

/** Whether a value is a plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Refuses fields of a body object that are not among `allowed` (a typo should not pass silently). */
export function onlyFields(body: Record<string, unknown>, allowed: readonly string[], prefix = ""): void {
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) {
      throw badInput(`${prefix}${key}`, `unknown field; allowed: ${allowed.join(", ")}`);
    }
  }
}

/** A required non-empty string field of a body. */
export function requiredString(body: Record<string, unknown>, field: string, prefix = ""): string {
  const value = body[field];
  if (value === undefined || value === null) throw badInput(`${prefix}${field}`, "required");
  if (typeof value !== "string" || value.trim() === "") {
    throw badInput(`${prefix}${field}`, "expected a non-empty string");
  }
  return value;
}

/** An optional string field of a body (absent or null: undefined). */
export function optionalString(
  body: Record<string, unknown>,
  field: string,
  prefix = "",
): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw badInput(`${prefix}${field}`, "expected a string");
  return value;
}

/** An optional list of non-empty strings (absent: undefined). */
export function optionalStringList(
  body: Record<string, unknown>,
  field: string,
  prefix = "",
): string[] | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string" && v.trim() !== "")) {
    throw badInput(`${prefix}${field}`, "expected a list of non-empty strings");
  }
  return [...new Set(value as string[])];
}

/** A value that must be one of `values`. */
export function oneOf<T extends string>(value: unknown, values: readonly T[], field: string): T {
  if (typeof value !== "string" || !(values as readonly string[]).includes(value)) {
    throw badInput(field, `expected one of ${values.join(", ")}, not ${JSON.stringify(value)}`);
  }
  return value as T;
}

/** Query parameter names the route understands; any other is refused (a misspelt filter must not list everything). */
export function onlyQueryParameters(c: Context, allowed: readonly string[]): void {
  for (const name of Object.keys(c.req.queries())) {
    if (!allowed.includes(name)) {
      throw badInput(`query.${name}`, `unknown query parameter; allowed: ${allowed.join(", ")}`);
    }
  }
}

/** A query parameter given at most once (undefined when absent; empty counts as absent). */
export function queryString(c: Context, name: string): string | undefined {
  const values = c.req.queries(name);
  if (values === undefined) return undefined;
  if (values.length > 1) throw badInput(`query.${name}`, "give it at most once");
  return values[0] === "" ? undefined : values[0];
}

/**
 * A repeatable query parameter: `?severity=high&severity=critical` or `?severity=high,critical`
 * (commas split only where `split`: names and package names may hold commas). Undefined when absent.
 */
export function queryList(c: Context, name: string, split = false): string[] | undefined {
  const values = c.req.queries(name);
  if (values === undefined) return undefined;
  const items = (split ? values.flatMap((v) => v.split(",")) : values).map((v) => v.trim()).filter(Boolean);
  if (items.length === 0) throw badInput(`query.${name}`, "give a value");
  return [...new Set(items)];
}

/** A repeatable query parameter whose values must be among `values`. */
export function queryEnumList<T extends string>(
  c: Context,
  name: string,
  values: readonly T[],
): T[] | undefined {
  return queryList(c, name, true)?.map((v) => oneOf(v, values, `query.${name}`));
}

/** `true`/`false` (also `1`/`0`). */
export function queryBoolean(c: Context, name: string): boolean | undefined {
  const value = queryString(c, name);
  if (value === undefined) return undefined;
  if (value === "true" || value === "1") return true;
  if (value === "false" || value === "0") return false;
  throw badInput(`query.${name}`, `expected true or false, not ${JSON.stringify(value)}`);
}

/** An integer within `min … max`. */
export function queryInteger(c: Context, name: string, min: number, max: number): number | undefined {
  const value = queryString(c, name);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw badInput(
      `query.${name}`,
      `expected an integer from ${min} to ${max}, not ${JSON.stringify(value)}`,
    );
  }
  return Number(value);
}

/** The full URL path of the request, for `Location` headers. */
export function resourceUrl(c: Context, path: string): string {
  return new URL(path, c.req.url).pathname;
}
