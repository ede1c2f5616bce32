import type { OsvRecord } from "../../osv-record.js";
import type { SyncProblem } from "../../source.js";
import { checkOsvRecord } from "./check-osv-record.js";

/** A parsed document: a usable record, or the problem that keeps it out. */
export type ParsedOsvDocument =
  | { readonly ok: true; readonly record: OsvRecord }
  | { readonly ok: false; readonly problem: SyncProblem };

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * One OSV JSON document (a zip member or a file) to a record or a located problem: not
 * UTF-8, not JSON, or not an OSV record by {@link checkOsvRecord}. Never throws.
 */
export function parseOsvDocument(bytes: Uint8Array, location: string): ParsedOsvDocument {
  let text: string;
  try {
    // The decoder drops a leading byte order mark.
    text = utf8.decode(bytes);
  } catch {
    return { ok: false, problem: { location, reason: "not valid UTF-8" } };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: { location, reason: `not valid JSON: ${(error as Error).message}` } };
  }
  const check = checkOsvRecord(value);
  if (check.ok) return check;
  return {
    ok: false,
    problem: {
      ...(check.id !== undefined ? { id: check.id } : {}),
      location,
      reason: `not a usable OSV record: ${check.issues.join("; ")}`,
    },
  };
}
