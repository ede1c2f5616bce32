import type { OsvRecord } from "../../osv-record.js";
import { OSV_KNOWN_ECOSYSTEMS } from "./osv-ecosystems.js";

/** The outcome of {@link checkOsvRecord}: the record when usable, else what is wrong with it. */
export type OsvCheck =
  | { readonly ok: true; readonly record: OsvRecord }
  | { readonly ok: false; readonly id?: string; readonly issues: readonly string[] };

/** At most this many issues are collected per record: enough to explain, bounded for hostile input. */
const MAX_ISSUES = 8;

const EVENT_KINDS = ["introduced", "fixed", "last_affected", "limit"] as const;

/**
 * RFC 3339 date-time, the form the schema's `timestamp` requires, except that any UTC
 * offset is accepted where the schema's pattern demands `Z`: 266 of the 2,661 PyPI records
 * of OSV's export write `+00:00` (see the deviations listed on {@link checkOsvRecord}).
 */
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:Z|[+-](\d{2}):(\d{2}))$/;

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** True for a valid RFC 3339 date-time (ranges of every field checked, leap years included). */
export function isOsvTimestamp(text: string): boolean {
  const m = TIMESTAMP.exec(text);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  if (days === undefined || day < 1 || day > days || hour > 23 || minute > 59 || second > 60) return false;
  if (m[7] !== undefined && (Number(m[7]) > 23 || Number(m[8]) > 59)) return false;
  return true;
}

/**
 * The structural check of an OSV record, written against the OSV schema (ossf/osv-schema
 * validation/schema.json) so that every record it accepts has the shape {@link OsvRecord}
 * declares and matching can rely on: the right JSON type for every field, the required
 * fields, and the rules that decide what is affected (events with exactly one kind, at least
 * one `introduced`, `fixed` and `last_affected` not mixed, GIT ranges with a repo, no
 * per-package severity next to a record severity, a known ecosystem).
 *
 * Deliberate differences from the schema, each because real records or future schema
 * versions would otherwise be thrown away for a detail matching does not use:
 * - timestamps may carry any UTC offset, not only `Z` (real PyPI records use `+00:00`);
 * - an `id` need only be a non-empty string without spaces, control characters or unpaired
 *   surrogates (`"\ud800"` is valid JSON but no text, and cannot be put in a URL): its
 *   database prefix is not checked against the schema's list, which grows with each database;
 * - range types other than GIT, SEMVER and ECOSYSTEM are kept (matching skips them), and the
 *   commit hashes of GIT ranges are not checked (matching skips GIT ranges; real PyPI records
 *   have short hashes);
 * - enumerations that grow with the schema (severity, reference and credit types), CVSS
 *   vector patterns, URL syntax, and unknown top-level fields are not checked;
 * - stricter: an `affected` entry must name its package (the schema lets it be absent, but
 *   such an entry can never match anything).
 */
export function checkOsvRecord(value: unknown): OsvCheck {
  const issues: string[] = [];
  const issue = (path: string, message: string) => {
    if (issues.length < MAX_ISSUES) issues.push(path ? `${path}: ${message}` : message);
  };
  if (!isObject(value)) {
    issue("", `the record is ${describe(value)}, not a JSON object`);
    return { ok: false, issues };
  }
  const id = value.id;
  if (id === undefined) issue("id", "missing");
  else if (typeof id !== "string" || id.length === 0 || /[\s\p{Cc}\p{Cs}]/u.test(id)) {
    issue("id", "must be a non-empty string without spaces, control characters or unpaired surrogates");
  }
  if (value.modified === undefined) issue("modified", "missing");
  for (const field of ["modified", "published", "withdrawn"] as const) {
    const stamp = value[field];
    if (stamp !== undefined && (typeof stamp !== "string" || !isOsvTimestamp(stamp))) {
      issue(field, `must be an RFC 3339 date-time, not ${describe(stamp)}`);
    }
  }
  for (const field of ["schema_version", "summary", "details"] as const)
    optionalString(value, field, field, issue);
  stringArray(value.aliases, "aliases", issue, true);
  stringArray(value.related, "related", issue, false);
  stringArray(value.upstream, "upstream", issue, false);
  checkSeverities(value.severity, "severity", issue);
  optionalObject(value, "database_specific", "database_specific", issue);
  checkList(value.references, "references", issue, true, (reference, path) => {
    requiredString(reference, "type", path, issue);
    requiredString(reference, "url", path, issue);
  });
  checkList(value.credits, "credits", issue, false, (credit, path) => {
    requiredString(credit, "name", path, issue);
    stringArray(credit.contact, `${path}.contact`, issue, false);
    optionalString(credit, "type", path, issue);
  });
  const recordSeverity = "severity" in value;
  checkList(value.affected, "affected", issue, true, (affected, path) =>
    checkAffected(affected, path, recordSeverity, issue),
  );
  if (issues.length > 0) return { ok: false, ...(typeof id === "string" && id ? { id } : {}), issues };
  return { ok: true, record: value as unknown as OsvRecord };
}

type Issue = (path: string, message: string) => void;

function checkAffected(affected: Json, path: string, recordSeverity: boolean, issue: Issue): void {
  const pkg = affected.package;
  if (pkg === undefined) issue(`${path}.package`, "missing (an entry without a package cannot be matched)");
  else if (!isObject(pkg)) issue(`${path}.package`, `must be an object, not ${describe(pkg)}`);
  else {
    const ecosystem = pkg.ecosystem;
    if (typeof ecosystem !== "string")
      issue(`${path}.package.ecosystem`, `must be a string, not ${describe(ecosystem)}`);
    else checkEcosystem(ecosystem, `${path}.package.ecosystem`, issue);
    requiredString(pkg, "name", `${path}.package`, issue);
    optionalString(pkg, "purl", `${path}.package`, issue);
  }
  checkSeverities(affected.severity, `${path}.severity`, issue);
  if (recordSeverity && affected.severity !== undefined && affected.severity !== null) {
    issue(`${path}.severity`, "must be absent when the record has a top-level severity");
  }
  checkList(affected.ranges, `${path}.ranges`, issue, false, (range, rangePath) =>
    checkRange(range, rangePath, issue),
  );
  stringArray(affected.versions, `${path}.versions`, issue, false);
  optionalObject(affected, "ecosystem_specific", path, issue);
  optionalObject(affected, "database_specific", path, issue);
}

function checkEcosystem(ecosystem: string, path: string, issue: Issue): void {
  const colon = ecosystem.indexOf(":");
  const base = colon < 0 ? ecosystem : ecosystem.slice(0, colon);
  if (!OSV_KNOWN_ECOSYSTEMS.has(base)) issue(path, `unknown ecosystem ${JSON.stringify(base)}`);
  else if (colon >= 0 && colon === ecosystem.length - 1) issue(path, "empty suffix after the ':'");
}

function checkRange(range: Json, path: string, issue: Issue): void {
  const type = range.type;
  if (typeof type !== "string")
    issue(`${path}.type`, type === undefined ? "missing" : `must be a string, not ${describe(type)}`);
  if (type === "GIT" && range.repo === undefined) issue(`${path}.repo`, "missing (GIT ranges need one)");
  optionalString(range, "repo", path, issue);
  optionalObject(range, "database_specific", path, issue);
  const events = range.events;
  if (!Array.isArray(events) || events.length === 0) {
    issue(`${path}.events`, events === undefined ? "missing" : "must be a non-empty array");
    return;
  }
  const kinds = new Set<string>();
  events.forEach((event, i) => {
    const eventPath = `${path}.events[${i}]`;
    if (!isObject(event)) {
      issue(eventPath, `must be an object, not ${describe(event)}`);
      return;
    }
    // The schema's oneOf: exactly one of the kinds, and its value a string.
    const present = EVENT_KINDS.filter((kind) => kind in event);
    const valid = present.filter((kind) => typeof event[kind] === "string");
    if (present.length !== 1 || valid.length !== 1) {
      issue(eventPath, `must have exactly one of ${EVENT_KINDS.join(", ")} with a string value`);
      return;
    }
    kinds.add(present[0]!);
  });
  if (!events.some((event) => isObject(event) && "introduced" in event)) {
    issue(`${path}.events`, "has no introduced event");
  }
  if (kinds.has("fixed") && kinds.has("last_affected")) {
    issue(`${path}.events`, "mixes fixed and last_affected events");
  }
}

function checkSeverities(severities: unknown, path: string, issue: Issue): void {
  checkList(severities, path, issue, true, (severity, itemPath) => {
    requiredString(severity, "type", itemPath, issue);
    requiredString(severity, "score", itemPath, issue);
  });
}

/** An optional array (or `null` where the schema allows it) of objects, each checked by `each`. */
function checkList(
  list: unknown,
  path: string,
  issue: Issue,
  nullable: boolean,
  each: (item: Json, path: string) => void,
): void {
  if (list === undefined || (nullable && list === null)) return;
  if (!Array.isArray(list)) {
    issue(path, `must be an array, not ${describe(list)}`);
    return;
  }
  list.forEach((item, i) => {
    if (isObject(item)) each(item, `${path}[${i}]`);
    else issue(`${path}[${i}]`, `must be an object, not ${describe(item)}`);
  });
}

function stringArray(list: unknown, path: string, issue: Issue, nullable: boolean): void {
  if (list === undefined || (nullable && list === null)) return;
  if (!Array.isArray(list) || list.some((item) => typeof item !== "string")) {
    issue(path, "must be an array of strings");
  }
}

function requiredString(object: Json, field: string, path: string, issue: Issue): void {
  const value = object[field];
  if (value === undefined) issue(`${path}.${field}`, "missing");
  else if (typeof value !== "string") issue(`${path}.${field}`, `must be a string, not ${describe(value)}`);
}

function optionalString(object: Json, field: string, path: string, issue: Issue): void {
  const value = object[field];
  if (value !== undefined && typeof value !== "string") {
    issue(path === field ? field : `${path}.${field}`, `must be a string, not ${describe(value)}`);
  }
}

function optionalObject(object: Json, field: string, path: string, issue: Issue): void {
  const value = object[field];
  if (value !== undefined && !isObject(value)) {
    issue(path === field ? field : `${path}.${field}`, `must be an object, not ${describe(value)}`);
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "object") return "an object";
  return `${typeof value === "number" ? "the number" : "the"} ${String(value)}`;
}
