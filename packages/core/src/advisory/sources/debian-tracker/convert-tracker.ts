import { quoteValue } from "../../../model/quote-value.js";
import { debComparator } from "../../../version/deb/deb.js";
import type { OsvAffected, OsvRecord } from "../../osv-record.js";
import type { SyncProblem } from "../../source.js";
import { isCveId } from "../shared/vulnerability-id.js";
import { isWellFormedText } from "../shared/well-formed-text.js";
import { DEBIAN_UNNUMBERED_SUITES } from "./releases.js";
import { highestUrgency, normalizeUrgency } from "./urgency.js";

/**
 * Prefix of the records this source writes. OSV.dev converts the same tracker data into
 * `DEBIAN-CVE-…` records, and the `osv` source imports records under that id too (OSV.dev's
 * `Debian` export, or the OVAL-derived `Debian/all.zip` of our test data). Advisory ids are
 * unique across sources in the store, so ours carry the source (`DEBIAN-TRACKER-CVE-2024-3094`)
 * instead of silently replacing, or being replaced by, a record with other content (the OVAL
 * records know no urgency and no "will not fix"). Both name the CVE in `upstream`, which is
 * what matching groups by.
 */
export const DEBIAN_TRACKER_ID_PREFIX = "DEBIAN-TRACKER-";

/**
 * What a match against an entry should report, derived from the tracker's status, urgency and
 * no-DSA notes so that matching need not know the tracker's vocabulary:
 * - `fixed`: resolved in the release; the range has a `fixed` event.
 * - `unfixed`: open, a fix is expected (including `<no-dsa>` minor issues, which usually reach
 *   the next point release, and `<postponed>` ones, left for a later update).
 * - `will-not-fix`: open, but Debian says no fix will come: `<ignored>`, or urgency
 *   `end-of-life` (the package is no longer supported in that release).
 * - `undetermined`: nobody has checked whether the release is affected.
 */
export type DebianFixStatus = "fixed" | "unfixed" | "will-not-fix" | "undetermined";

/** One record, with the page a person reads it on. */
export interface DebianRecord {
  readonly record: OsvRecord;
  readonly upstreamUrl: string;
}

/** What {@link convertTrackerData} produced. */
export interface ConvertedTracker {
  readonly records: readonly DebianRecord[];
  readonly problems: readonly SyncProblem[];
}

/**
 * The document is not the tracker's JSON at all. Thrown rather than reported: an empty
 * snapshot would delete every Debian advisory.
 */
export class TrackerFormatError extends Error {
  override readonly name = "TrackerFormatError";
}

/** Per CVE, what the packages said so far. */
interface CveAccumulator {
  description?: string;
  scope?: string;
  readonly affected: OsvAffected[];
  readonly notAffected: { ecosystem: string; name: string }[];
  readonly urgencies: string[];
}

/**
 * Convert the Debian security tracker's JSON (https://security-tracker.debian.org/tracker/data/json,
 * written by `bin/tracker_service.py` of the security-tracker repository): `{"<source
 * package>": {"<CVE or TEMP id>": {description?, scope?, debianbug?, releases: {"<codename>":
 * {status, repositories, fixed_version?, urgency, nodsa?, nodsa_reason?,
 * next_point_update?}}}}}`; absent values are left out rather than written as null.
 *
 * One record per CVE (OSV.dev's `DEBIAN-CVE-…` shape), one `affected` entry per numbered
 * release and source package, ecosystem `Debian:<N>`:
 * - `resolved` with a version: ECOSYSTEM range `introduced 0` → `fixed <version>`.
 * - `resolved` with version `0`: the release was never affected (`<not-affected>`); no entry,
 *   recorded in `database_specific.not_affected`. `resolved` without any version: no entry
 *   either (the tracker considers the release clean and says nothing more).
 * - `open`: `introduced 0` and no `fixed` event: every version affected, no fix yet.
 * - `undetermined`: an entry like `open`, marked `fix_status: undetermined`. It is data, not a
 *   bad record, so it is not a problem; and leaving it out would hide a possible
 *   vulnerability that nobody has ruled out (OSV.dev also converts it as affected).
 *   Matching can show it as "needs triage".
 * The status, urgency, no-DSA note and {@link DebianFixStatus} are in each entry's
 * `ecosystem_specific`; the highest urgency over all releases (`sid` included: it rates the
 * same issue) is `database_specific.urgency` of the record, for severity (`high**`: NVD's).
 * `TEMP-` ids (issues without a CVE yet) are skipped, as OSV.dev does: they have no identity
 * that other data (KEV, EPSS, other distributions) can join on.
 *
 * To keep at most one full copy of the ~70 MB document in memory, each package is deleted from
 * `data` once converted: the parsed document shrinks as the records grow.
 */
export function convertTrackerData(
  data: unknown,
  options: {
    readonly location: string;
    /** Stamped as every record's `modified`: the tracker's JSON carries no per-issue dates. */
    readonly now: string;
    readonly releases: Readonly<Record<string, string>>;
    readonly signal?: AbortSignal;
  },
): ConvertedTracker {
  const { location, now, releases, signal } = options;
  if (!isObject(data))
    throw new TrackerFormatError(
      `${location} is not the Debian security tracker's JSON (expected an object)`,
    );
  const problems: SyncProblem[] = [];
  const unknownCodenames = new Set<string>();
  const byCve = new Map<string, CveAccumulator>();

  let converted = 0;
  for (const name of Object.keys(data)) {
    // Converting the whole tracker takes seconds of CPU: stay responsive to cancellation.
    if (++converted % 1024 === 0) signal?.throwIfAborted();
    const issues = data[name];
    delete data[name];
    if (!isWellFormedText(name)) {
      problems.push({
        location: `${location}#${quoteValue(name)}`,
        reason: "the package name is not text (an unpaired surrogate); skipped",
      });
      continue;
    }
    if (!isObject(issues)) {
      problems.push({
        location: `${location}#${name}`,
        reason: `package ${name} does not map issues; skipped`,
      });
      continue;
    }
    for (const [issue, entry] of Object.entries(issues)) {
      if (issue.startsWith("TEMP-")) continue;
      const where = `${location}#${name}/${issue}`;
      if (!isCveId(issue)) {
        problems.push({ location: where, reason: `${JSON.stringify(issue)} is not a CVE id; skipped` });
        continue;
      }
      if (!isObject(entry)) {
        problems.push({ id: issue, location: where, reason: "issue is not an object; skipped" });
        continue;
      }
      // The generator writes an empty `releases` as [] in some versions, {} in others.
      const suites = Array.isArray(entry.releases) && entry.releases.length === 0 ? {} : entry.releases;
      if (!isObject(suites)) {
        problems.push({ id: issue, location: where, reason: "releases is not an object; skipped" });
        continue;
      }
      let cve = byCve.get(issue);
      if (!cve) {
        cve = { affected: [], notAffected: [], urgencies: [] };
        byCve.set(issue, cve);
      }
      if (
        cve.description === undefined &&
        typeof entry.description === "string" &&
        entry.description.trim()
      ) {
        cve.description = entry.description.trim();
      }
      if (cve.scope === undefined && typeof entry.scope === "string") cve.scope = entry.scope;

      for (const [codename, suite] of Object.entries(suites)) {
        if (!isObject(suite)) {
          problems.push({
            id: issue,
            location: `${where}/${codename}`,
            reason: "release entry is not an object; skipped",
          });
          continue;
        }
        if (typeof suite.urgency === "string") cve.urgencies.push(suite.urgency);
        const number = releases[codename];
        if (number === undefined) {
          if (!DEBIAN_UNNUMBERED_SUITES.has(codename)) unknownCodenames.add(codename);
          continue;
        }
        const converted = convertSuite(name, number, codename, suite, entry.debianbug);
        if (converted.kind === "bad") {
          problems.push({
            id: issue,
            location: `${where}/${codename}`,
            reason: `${converted.reason}; skipped`,
          });
        } else if (converted.kind === "not-affected") {
          cve.notAffected.push({ ecosystem: `Debian:${number}`, name });
        } else if (converted.kind === "affected") {
          cve.affected.push(converted.affected);
        }
      }
    }
  }

  for (const codename of [...unknownCodenames].sort()) {
    problems.push({
      location,
      reason: `release ${codename} has no known number (Debian:<N>); its entries were skipped. Add it to the source's releases option`,
    });
  }

  const records: DebianRecord[] = [];
  for (const id of [...byCve.keys()].sort()) {
    const cve = byCve.get(id)!;
    byCve.delete(id);
    if (cve.affected.length === 0 && cve.notAffected.length === 0) continue;
    const urgency = highestUrgency(cve.urgencies);
    const upstreamUrl = `https://security-tracker.debian.org/tracker/${id}`;
    records.push({
      upstreamUrl,
      record: {
        schema_version: "1.7.0",
        id: `${DEBIAN_TRACKER_ID_PREFIX}${id}`,
        modified: now,
        upstream: [id],
        ...(cve.description ? { details: cve.description } : {}),
        references: [{ type: "ADVISORY", url: upstreamUrl }],
        ...(cve.affected.length > 0 ? { affected: cve.affected.sort(byPackageThenRelease) } : {}),
        database_specific: {
          source: "debian-tracker",
          ...(urgency ? { urgency } : {}),
          ...(cve.scope ? { scope: cve.scope } : {}),
          ...(cve.notAffected.length > 0 ? { not_affected: cve.notAffected.sort(byNameThenEcosystem) } : {}),
        },
      },
    });
  }
  return { records, problems };
}

/** What one release of one package becomes. */
type SuiteResult =
  | { readonly kind: "affected"; readonly affected: OsvAffected }
  | { readonly kind: "not-affected" }
  | { readonly kind: "nothing" }
  | { readonly kind: "bad"; readonly reason: string };

function convertSuite(
  name: string,
  number: string,
  codename: string,
  suite: Record<string, unknown>,
  debianbug: unknown,
): SuiteResult {
  const status = suite.status;
  const urgency = typeof suite.urgency === "string" ? suite.urgency : undefined;
  const fixed = typeof suite.fixed_version === "string" ? suite.fixed_version.trim() : "";
  let fixStatus: DebianFixStatus;
  if (status === "resolved") {
    if (fixed === "0") return { kind: "not-affected" };
    if (fixed === "") return { kind: "nothing" };
    if (!debComparator.isValid(fixed)) {
      return { kind: "bad", reason: `fixed_version ${JSON.stringify(fixed)} is not a valid Debian version` };
    }
    fixStatus = "fixed";
  } else if (status === "open") {
    const ignored =
      suite.nodsa_reason === "ignored" ||
      (urgency !== undefined && normalizeUrgency(urgency) === "end-of-life");
    fixStatus = ignored ? "will-not-fix" : "unfixed";
  } else if (status === "undetermined") {
    fixStatus = "undetermined";
  } else {
    return { kind: "bad", reason: `status ${quoteValue(status)} is not resolved, open or undetermined` };
  }
  const nodsa = typeof suite.nodsa === "string" ? suite.nodsa : undefined;
  // The tracker writes nodsa_reason only for <no-dsa> notes that give one (postponed,
  // ignored); a bare <no-dsa> has the comment alone. Name that case so consumers see one field.
  const nodsaReason =
    typeof suite.nodsa_reason === "string" && suite.nodsa_reason
      ? suite.nodsa_reason
      : nodsa !== undefined
        ? "no-dsa"
        : undefined;
  const affected: OsvAffected = {
    package: {
      ecosystem: `Debian:${number}`,
      name,
      purl: `pkg:deb/debian/${encodeURIComponent(name)}?arch=source`,
    },
    ranges: [
      {
        type: "ECOSYSTEM",
        events: fixStatus === "fixed" ? [{ introduced: "0" }, { fixed }] : [{ introduced: "0" }],
      },
    ],
    ecosystem_specific: {
      status,
      fix_status: fixStatus,
      ...(urgency !== undefined ? { urgency } : {}),
      ...(nodsa !== undefined ? { nodsa } : {}),
      ...(nodsaReason !== undefined ? { nodsa_reason: nodsaReason } : {}),
      ...(suite.next_point_update === true ? { next_point_update: true } : {}),
    },
    database_specific: {
      codename,
      ...(typeof debianbug === "number" ? { debianbug } : {}),
    },
  };
  return { kind: "affected", affected };
}

function byPackageThenRelease(a: OsvAffected, b: OsvAffected): number {
  const [an, bn] = [a.package!.name, b.package!.name];
  if (an !== bn) return an < bn ? -1 : 1;
  return releaseNumber(a.package!.ecosystem) - releaseNumber(b.package!.ecosystem);
}

function byNameThenEcosystem(
  a: { ecosystem: string; name: string },
  b: { ecosystem: string; name: string },
): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return releaseNumber(a.ecosystem) - releaseNumber(b.ecosystem);
}

function releaseNumber(ecosystem: string): number {
  return Number(ecosystem.slice(ecosystem.indexOf(":") + 1)) || 0;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
