import type { Advisory } from "./advisory.js";
import { deriveSeverity } from "./derive-severity.js";
import type { OsvRecord } from "./osv-record.js";

/**
 * An OSV id as osv.dev names records: an upper-case prefix and dash-separated parts of
 * letters, digits, `.`, `_` and `:` (`GHSA-9v2f-6vcg-3hgv`, `GO-2024-2963`, `RHSA-2022:0216`,
 * `DEBIAN-CVE-2023-3153`, `USN-6046-1`), with `openSUSE-SU-…` as osv.dev's one mixed-case
 * prefix. Such an id needs no escaping in a URL path.
 */
const OSV_ID = /^(?:[A-Z][A-Z0-9]*|openSUSE)(?:-[A-Za-z0-9._:]+)+$/;

/**
 * Where a person reads the advisory when its source names no page: osv.dev's page for an
 * OSV-style id, none otherwise.
 */
export function defaultUpstreamUrl(id: string): string | undefined {
  return OSV_ID.test(id) ? `https://osv.dev/vulnerability/${id}` : undefined;
}

/**
 * The stored form of an advisory: the record unchanged, where and when it was fetched, a page
 * to read it on (the source's, else {@link defaultUpstreamUrl}), and its severity
 * ({@link deriveSeverity}).
 */
export function toAdvisory(
  record: OsvRecord,
  source: string,
  fetchedAt: string,
  upstreamUrl?: string,
): Advisory {
  const url = upstreamUrl || defaultUpstreamUrl(record.id);
  return {
    record,
    source,
    fetchedAt,
    ...(url ? { upstreamUrl: url } : {}),
    severity: deriveSeverity(record, source),
  };
}
