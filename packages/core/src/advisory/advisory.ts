import type { OsvRecord } from "./osv-record.js";
import type { AdvisorySeverity } from "./severity-level.js";

/**
 * An advisory as Vigil stores it: the OSV record unchanged, where it came from, and the
 * severity derived once at import time.
 */
export interface Advisory {
  readonly record: OsvRecord;
  /** Name of the source plugin that produced it, e.g. `osv`, `alpine-secdb`. */
  readonly source: string;
  /** When the source fetched it (RFC 3339). */
  readonly fetchedAt: string;
  /** Where a person can read it upstream. */
  readonly upstreamUrl?: string;
  readonly severity: AdvisorySeverity;
}

/** Enrichment kept per CVE, independent of the records that mention it. */
export interface CveEnrichment {
  readonly cve: string;
  /** Listed in CISA's Known Exploited Vulnerabilities catalog. */
  readonly kev?: { readonly dateAdded: string; readonly dueDate?: string; readonly ransomware?: boolean };
  /** FIRST EPSS probability of exploitation in the next 30 days (0..1) and its percentile. */
  readonly epss?: { readonly score: number; readonly percentile: number; readonly date: string };
}
