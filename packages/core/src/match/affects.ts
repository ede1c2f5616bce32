import type { OsvAffected, OsvEvent, OsvRange } from "../advisory/osv-record.js";
import type { VersionComparator } from "../version/comparator.js";

/** Why a verdict could not be reached, or a range was skipped. */
export interface AffectsProblem {
  readonly code: "invalid-installed-version" | "invalid-event-version" | "unsupported-range-type";
  readonly message: string;
  /** The offending value (a version string or a range type). */
  readonly value: string;
}

/** The range event that decided an affected verdict. */
export interface RangeMatch {
  readonly kind: "range";
  /** Index of the range in `affected.ranges`. */
  readonly rangeIndex: number;
  readonly rangeType: string;
  /** The `introduced` event that opened the interval holding the version (`0` = from the start). */
  readonly introduced: string;
  /** The `fixed` event that closes that interval, if any: the version to upgrade to. */
  readonly fixed?: string;
  /** The `last_affected` event that closes it, if any. */
  readonly lastAffected?: string;
}

/** An explicit `versions` entry that listed the installed version. */
export interface VersionsMatch {
  readonly kind: "versions";
  readonly version: string;
}

/**
 * The verdict for one installed version against one `affected` entry: `affected`,
 * `not-affected`, or `unknown` when a version could not be compared (never a silent
 * "not affected": the caller reports the problems).
 */
export type AffectsVerdict =
  | {
      readonly status: "affected";
      readonly by: RangeMatch | VersionsMatch;
      readonly problems: readonly AffectsProblem[];
    }
  | { readonly status: "not-affected" | "unknown"; readonly problems: readonly AffectsProblem[] };

/** Comparators for the two kinds of numbered ranges. */
export interface RangeComparators {
  /** For `ECOSYSTEM` ranges and `versions` lists: the ecosystem's own scheme. */
  readonly ecosystem: VersionComparator;
  /** For `SEMVER` ranges: SemVer 2.0 (the ecosystem's flavour when it is a SemVer one). */
  readonly semver: VersionComparator;
}

/**
 * OSV range semantics in full (https://ossf.github.io/osv-schema/#evaluation): a version is
 * affected when it is listed in `versions`, or when in some range (before every `limit`) the
 * sorted events leave it after an `introduced` and before the next `fixed` or past no
 * `last_affected`. `introduced: "0"` precedes every version and `limit: "*"` is infinity.
 * `GIT` ranges name commits and are skipped, not treated as the end of the walk.
 */
export function evaluateAffected(
  affected: OsvAffected,
  version: string,
  comparators: RangeComparators,
): AffectsVerdict {
  const problems: AffectsProblem[] = [];
  const listed = affected.versions?.find(
    (v) =>
      v === version ||
      (comparators.ecosystem.isValid(v) &&
        comparators.ecosystem.isValid(version) &&
        comparators.ecosystem.compare(v, version) === 0),
  );
  if (listed !== undefined)
    return { status: "affected", by: { kind: "versions", version: listed }, problems };

  let undecided = false;
  const ranges = affected.ranges ?? [];
  for (let rangeIndex = 0; rangeIndex < ranges.length; rangeIndex++) {
    const range = ranges[rangeIndex]!;
    if (range.type === "GIT") continue;
    if (range.type !== "ECOSYSTEM" && range.type !== "SEMVER") {
      problems.push({
        code: "unsupported-range-type",
        message: `range type ${range.type} is not supported; range skipped`,
        value: range.type,
      });
      continue;
    }
    const comparator = range.type === "SEMVER" ? comparators.semver : comparators.ecosystem;
    const installed = range.type === "SEMVER" ? stripV(version) : version;
    if (!comparator.isValid(installed)) {
      problems.push({
        code: "invalid-installed-version",
        message: `installed version ${JSON.stringify(version)} is not a valid ${comparator.scheme} version`,
        value: version,
      });
      undecided = true;
      continue;
    }
    const match = matchRange(range, rangeIndex, installed, comparator, problems);
    if (match === "unknown") undecided = true;
    else if (match) return { status: "affected", by: match, problems };
  }
  return { status: undecided ? "unknown" : "not-affected", problems };
}

type Kind = "introduced" | "fixed" | "last_affected" | "limit";
interface SortableEvent {
  readonly kind: Kind;
  readonly value: string;
}

function matchRange(
  range: OsvRange,
  rangeIndex: number,
  version: string,
  comparator: VersionComparator,
  problems: AffectsProblem[],
): RangeMatch | undefined | "unknown" {
  const events: SortableEvent[] = [];
  for (const event of range.events) {
    const found = eventOf(event);
    if (!found) continue;
    const value = range.type === "SEMVER" ? stripV(found.value) : found.value;
    const special =
      (found.kind === "introduced" && value === "0") || (found.kind === "limit" && value.includes("*"));
    if (!special && !comparator.isValid(value)) {
      problems.push({
        code: "invalid-event-version",
        message: `${found.kind} version ${JSON.stringify(found.value)} is not a valid ${comparator.scheme} version; range ${rangeIndex} skipped`,
        value: found.value,
      });
      return "unknown";
    }
    events.push({ kind: found.kind, value });
  }
  const cmp = (a: string, b: string) => comparator.compare(a, b);
  // Before limits: no limit means an implicit "*"; otherwise the version must be below one.
  const limits = events.filter((e) => e.kind === "limit");
  if (limits.length > 0 && !limits.some((l) => l.value.includes("*") || cmp(version, l.value) < 0))
    return undefined;

  const timeline = events.filter((e) => e.kind !== "limit").sort((a, b) => compareEvents(a, b, cmp));
  let vulnerable = false;
  let introduced: string | undefined;
  for (const event of timeline) {
    if (event.kind === "introduced" && (event.value === "0" || cmp(version, event.value) >= 0)) {
      vulnerable = true;
      introduced = event.value;
    } else if (event.kind === "fixed" && cmp(version, event.value) >= 0) vulnerable = false;
    else if (event.kind === "last_affected" && cmp(version, event.value) > 0) vulnerable = false;
  }
  if (!vulnerable || introduced === undefined) return undefined;
  const closing = timeline.find(
    (e) =>
      (e.kind === "fixed" && cmp(e.value, version) > 0) ||
      (e.kind === "last_affected" && cmp(e.value, version) >= 0),
  );
  return {
    kind: "range",
    rangeIndex,
    rangeType: range.type,
    introduced,
    ...(closing?.kind === "fixed" ? { fixed: closing.value } : {}),
    ...(closing?.kind === "last_affected" ? { lastAffected: closing.value } : {}),
  };
}

/** Sort by version; `introduced: 0` first; at equal versions an opening event sorts before a closing one. */
function compareEvents(a: SortableEvent, b: SortableEvent, cmp: (a: string, b: string) => number): number {
  const zeroA = a.kind === "introduced" && a.value === "0";
  const zeroB = b.kind === "introduced" && b.value === "0";
  if (zeroA || zeroB) return zeroA === zeroB ? 0 : zeroA ? -1 : 1;
  return cmp(a.value, b.value) || (a.kind === "introduced" ? -1 : 0) - (b.kind === "introduced" ? -1 : 0);
}

function eventOf(event: OsvEvent): SortableEvent | undefined {
  if (event.introduced !== undefined) return { kind: "introduced", value: event.introduced };
  if (event.fixed !== undefined) return { kind: "fixed", value: event.fixed };
  if (event.last_affected !== undefined) return { kind: "last_affected", value: event.last_affected };
  if (event.limit !== undefined) return { kind: "limit", value: event.limit };
  return undefined;
}

/** SEMVER ranges carry no `v` prefix (OSV spec), while Go reports `v1.2.3`. */
function stripV(version: string): string {
  return version.startsWith("v") ? version.slice(1) : version;
}
