import type { CveEnrichment } from "../advisory/advisory.js";
import type { AdvisorySeverity } from "../advisory/severity-level.js";
import type { RangeMatch, VersionsMatch } from "../match/affects.js";
import type { Package } from "./package.js";

/** `fixed`: a fixed version exists; `affected`: no fix yet; `will-not-fix`: the distribution declined to fix. */
export type MatchStatus = "fixed" | "affected" | "will-not-fix";

/**
 * One vulnerability in one installed package, explained: which advisories, through which
 * name and version, which range and event, which comparator. Several advisories for the
 * same vulnerability (a DSA and its CVE) collapse into one match whose `id` is the CVE.
 */
export interface Match {
  /** Primary identifier: the CVE when any matching advisory names one, else the advisory id. */
  readonly id: string;
  /** Every other identifier of the vulnerability (advisory ids, aliases, upstream ids), sorted. */
  readonly aliases: readonly string[];
  /** The advisories that matched, sorted; the first is the one the details come from. */
  readonly advisoryIds: readonly string[];
  readonly package: Package;
  /** Matched through the binary package name or the source package name. */
  readonly matchedVia: "binary" | "source";
  readonly matchedName: string;
  /** The version compared: the source version when matched through the source package. */
  readonly matchedVersion: string;
  /** The ecosystem of the affected entry that matched, e.g. `Debian:12`. */
  readonly ecosystem: string;
  /** Version scheme used, e.g. `deb`. */
  readonly comparator: string;
  readonly range: RangeMatch | VersionsMatch;
  readonly fixedVersion?: string;
  readonly status: MatchStatus;
  readonly severity: AdvisorySeverity;
  readonly summary?: string;
  readonly description?: string;
  readonly references: readonly string[];
  readonly kev?: CveEnrichment["kev"];
  readonly epss?: CveEnrichment["epss"];
}
