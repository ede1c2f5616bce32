import { cvssRating } from "./cvss/cvss-rating.js";
import { type CvssBaseScore, CvssError } from "./cvss/cvss-vector.js";
import { cvssBaseScore } from "./cvss/parse-cvss.js";
import type { OsvRecord, OsvSeverity } from "./osv-record.js";
import {
  type AdvisorySeverity,
  compareSeverity,
  type SeverityLevel,
  type SeveritySource,
} from "./severity-level.js";

/**
 * The severity Vigil reports for an advisory, derived once at import, in the order of trust of
 * ARCHITECTURE.md section 4:
 *
 * 1. The distribution's own rating (`source: "distribution"`): Ubuntu's priority
 *    (`database_specific.priority`, or a severity entry of type `Ubuntu`), Red Hat's
 *    severity (`database_specific.severity`: low, moderate, important, critical), Debian's
 *    tracker urgency (`database_specific.urgency`: unimportant, low, medium, high).
 * 2. A database's rating (`source: "database"`): GitHub's (`database_specific.severity`:
 *    LOW, MODERATE, HIGH, CRITICAL), and a Debian urgency marked `**`, which the tracker took
 *    from NVD rather than assigned.
 * 3. The record's CVSS vectors: those of `severity[]`, or when it has no usable one, those of
 *    `affected[].severity[]`; v4 before v3.x before v2, and the highest base score among
 *    several of one version. CVSS rating `none` becomes `negligible`.
 * 4. Otherwise `{level: "unknown", source: "none"}`.
 *
 * A vendor rating keeps the vendor's word in `raw`, and the best CVSS score and vector next to
 * it when the record has one. A rating that is no rating (Ubuntu `untriaged`, Debian `not yet
 * assigned` or `end-of-life`) or a word outside the vendor's vocabulary is passed over, as is a
 * malformed vector or one whose version contradicts its OSV type: bad data costs that one
 * entry, never the import.
 *
 * Red Hat and GitHub both write `database_specific.severity`, so the record's origin decides
 * which vocabulary it is in: its id (`RHSA-`, `RHBA-`, `RHEA-`; `GHSA-`), its ecosystems
 * (`Red Hat:…`), GitHub's `github_reviewed` marker, or else the `source` plugin's name
 * (`redhat`, `ghsa`, `github`). A `database_specific.severity` of unknown origin is ignored.
 */
export function deriveSeverity(record: OsvRecord, source: string): AdvisorySeverity {
  const cvss = bestCvss(record.severity) ?? bestCvss(record.affected?.flatMap((a) => a.severity ?? []));
  const vendor = vendorRating(record, source);
  if (vendor !== undefined) {
    return { ...vendor, ...(cvss ? { score: cvss.score, vector: cvss.vector } : {}) };
  }
  if (cvss !== undefined) {
    const rating = cvssRating(cvss.score, cvss.version);
    return {
      level: rating === "none" ? "negligible" : rating,
      source: CVSS_SOURCE[cvss.version],
      score: cvss.score,
      vector: cvss.vector,
    };
  }
  return { level: "unknown", source: "none" };
}

const CVSS_SOURCE = { "2.0": "cvss-v2", "3.0": "cvss-v3", "3.1": "cvss-v3", "4.0": "cvss-v4" } as const;

/** The OSV severity type each CVSS version must be filed under. */
const CVSS_TYPE = { "2.0": "CVSS_V2", "3.0": "CVSS_V3", "3.1": "CVSS_V3", "4.0": "CVSS_V4" } as const;

const VERSION_RANK = { "2.0": 0, "3.0": 1, "3.1": 1, "4.0": 2 } as const;

/** The most trusted CVSS score among `severities`: newest version first, then the highest score. */
function bestCvss(severities: readonly OsvSeverity[] | undefined): CvssBaseScore | undefined {
  let best: CvssBaseScore | undefined;
  for (const severity of severities ?? []) {
    if (!severity.type.startsWith("CVSS_")) continue;
    const scored = cvssBaseScore(severity.score);
    if (scored instanceof CvssError || CVSS_TYPE[scored.version] !== severity.type) continue;
    if (
      best === undefined ||
      VERSION_RANK[scored.version] > VERSION_RANK[best.version] ||
      (VERSION_RANK[scored.version] === VERSION_RANK[best.version] && scored.score > best.score)
    ) {
      best = scored;
    }
  }
  return best;
}

type VendorRating = { readonly level: SeverityLevel; readonly source: SeveritySource; readonly raw: string };

/** Ubuntu priorities (https://ubuntu.com/security/cves, "Priority"). */
const UBUNTU: Readonly<Record<string, SeverityLevel>> = {
  negligible: "negligible",
  low: "low",
  medium: "medium",
  high: "high",
  critical: "critical",
};

/** Red Hat severity ratings (https://access.redhat.com/security/updates/classification). */
const RED_HAT: Readonly<Record<string, SeverityLevel>> = {
  low: "low",
  moderate: "medium",
  important: "high",
  critical: "critical",
};

/** Debian security tracker urgencies (https://security-team.debian.org/security_tracker.html). */
const DEBIAN: Readonly<Record<string, SeverityLevel>> = {
  unimportant: "negligible",
  low: "low",
  medium: "medium",
  high: "high",
};

/** GitHub advisory severities (https://docs.github.com/en/code-security/security-advisories). */
const GITHUB: Readonly<Record<string, SeverityLevel>> = {
  low: "low",
  moderate: "medium",
  high: "high",
  critical: "critical",
};

function vendorRating(record: OsvRecord, source: string): VendorRating | undefined {
  const specific = record.database_specific ?? {};
  const origin = recordOrigin(record, source);
  return (
    rate(specific.priority, UBUNTU, "distribution") ??
    ubuntuSeverityEntry(record) ??
    (origin === "redhat" ? rate(specific.severity, RED_HAT, "distribution") : undefined) ??
    debianUrgency(specific.urgency) ??
    (origin === "github" ? rate(specific.severity, GITHUB, "database") : undefined)
  );
}

/** `word` looked up case-insensitively in `vocabulary`; undefined when it is not a string or not there. */
function rate(
  word: unknown,
  vocabulary: Readonly<Record<string, SeverityLevel>>,
  source: SeveritySource,
): VendorRating | undefined {
  if (typeof word !== "string") return undefined;
  const key = word.trim().toLowerCase();
  const level = Object.hasOwn(vocabulary, key) ? vocabulary[key] : undefined;
  return level === undefined ? undefined : { level, source, raw: word };
}

/** The highest Ubuntu-typed severity entry of the record or of its affected entries. */
function ubuntuSeverityEntry(record: OsvRecord): VendorRating | undefined {
  let best: VendorRating | undefined;
  const entries = [...(record.severity ?? []), ...(record.affected ?? []).flatMap((a) => a.severity ?? [])];
  for (const entry of entries) {
    if (entry.type !== "Ubuntu") continue;
    const rated = rate(entry.score, UBUNTU, "distribution");
    if (rated && (best === undefined || compareSeverity(rated.level, best.level) > 0)) {
      best = rated;
    }
  }
  return best;
}

/**
 * A Debian urgency. A trailing `**` marks a rating the tracker copied from NVD: it is kept,
 * as a database's rating rather than Debian's.
 */
function debianUrgency(urgency: unknown): VendorRating | undefined {
  if (typeof urgency !== "string") return undefined;
  const fromNvd = /\*\*$/.test(urgency.trim());
  const rated = rate(urgency.trim().replace(/\*+$/, ""), DEBIAN, fromNvd ? "database" : "distribution");
  return rated && { ...rated, raw: urgency };
}

/** Where a record comes from, as far as the vocabulary of `database_specific.severity` depends on it. */
function recordOrigin(record: OsvRecord, source: string): "redhat" | "github" | undefined {
  if (/^RH[SBE]A-/.test(record.id)) return "redhat";
  if (record.id.startsWith("GHSA-")) return "github";
  if ((record.affected ?? []).some((a) => a.package?.ecosystem.startsWith("Red Hat"))) return "redhat";
  if (typeof record.database_specific?.github_reviewed === "boolean") return "github";
  const name = source.toLowerCase();
  if (name === "redhat" || name === "red-hat") return "redhat";
  if (name === "ghsa" || name === "github") return "github";
  return undefined;
}
