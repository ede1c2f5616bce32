import { quoteValue } from "../../../model/quote-value.js";
import type { SyncItem, SyncProblem } from "../../source.js";
import { isCveId } from "../shared/vulnerability-id.js";

/** One catalog entry as Vigil keeps it. */
export type KevItem = Extract<SyncItem, { kind: "kev" }>;

/** The parts of the catalog a sync uses. */
export interface ParsedKev {
  /** `catalogVersion`, e.g. `2025.08.25`. */
  readonly catalogVersion?: string;
  readonly items: readonly KevItem[];
  readonly problems: readonly SyncProblem[];
}

/**
 * The document is not a KEV catalog at all. Thrown rather than reported: an empty snapshot
 * would delete every KEV flag.
 */
export class KevFormatError extends Error {
  override readonly name = "KevFormatError";
}

/**
 * Read CISA's Known Exploited Vulnerabilities catalog
 * (https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json, schema
 * `known_exploited_vulnerabilities_schema.json` in cisagov/kev-data): `{catalogVersion,
 * dateReleased, count, vulnerabilities: [{cveID, dateAdded, dueDate,
 * knownRansomwareCampaignUse, ...}]}`. An entry whose CVE id or dates do not follow the
 * schema is a problem and is skipped; the rest are kept. `ransomware` is true only for
 * `Known` (CISA writes `Unknown` when it lacks confirmation, which is not "no").
 */
export function parseKevCatalog(document: unknown, location: string): ParsedKev {
  if (!isObject(document) || !Array.isArray(document.vulnerabilities)) {
    throw new KevFormatError(`${location} is not a KEV catalog (no vulnerabilities array)`);
  }
  const items: KevItem[] = [];
  const problems: SyncProblem[] = [];
  const seen = new Set<string>();
  document.vulnerabilities.forEach((entry: unknown, index: number) => {
    const where = `${location}#vulnerabilities[${index}]`;
    if (!isObject(entry)) {
      problems.push({ location: where, reason: "entry is not an object; skipped" });
      return;
    }
    const cve = typeof entry.cveID === "string" ? entry.cveID.trim() : undefined;
    if (cve === undefined || !isCveId(cve)) {
      problems.push({
        location: where,
        reason: `cveID ${quoteValue(entry.cveID)} is not a CVE id; skipped`,
      });
      return;
    }
    const problem = (reason: string) =>
      problems.push({ id: cve, location: where, reason: `${cve}: ${reason}; skipped` });
    if (!isIsoDate(entry.dateAdded)) {
      problem(`dateAdded ${quoteValue(entry.dateAdded)} is not a YYYY-MM-DD date`);
      return;
    }
    if (entry.dueDate !== undefined && !isIsoDate(entry.dueDate)) {
      problem(`dueDate ${quoteValue(entry.dueDate)} is not a YYYY-MM-DD date`);
      return;
    }
    if (seen.has(cve)) {
      problem("listed twice; the first entry is kept");
      return;
    }
    seen.add(cve);
    const ransomware = entry.knownRansomwareCampaignUse;
    items.push({
      kind: "kev",
      cve,
      dateAdded: entry.dateAdded,
      ...(entry.dueDate !== undefined ? { dueDate: entry.dueDate as string } : {}),
      ...(typeof ransomware === "string" ? { ransomware: ransomware === "Known" } : {}),
    });
  });
  items.sort((a, b) => (a.cve < b.cve ? -1 : a.cve > b.cve ? 1 : 0));
  const catalogVersion = typeof document.catalogVersion === "string" ? document.catalogVersion : undefined;
  return { ...(catalogVersion ? { catalogVersion } : {}), items, problems };
}

/** A real calendar date written `YYYY-MM-DD` (`2025-08-32` is not). */
export function isIsoDate(value: unknown): value is string {
  if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
