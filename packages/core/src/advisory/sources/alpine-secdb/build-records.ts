import { apkComparator } from "../../../version/apk/apk.js";
import type { OsvAffected, OsvRecord } from "../../osv-record.js";
import { isCveId } from "../shared/vulnerability-id.js";
import type { SecfixEntry } from "./parse-secdb.js";

/**
 * Prefix of the records this source writes. OSV.dev names its records converted from the same
 * secdb `ALPINE-CVE-…`; the `osv` source can import those from OSV.dev's `Alpine` export, and
 * advisory ids are unique across sources in the store, so ours carry the source in the id
 * (`ALPINE-SECDB-CVE-2023-45853`) instead of overwriting or being overwritten. The two
 * records of the same CVE are linked through `upstream`, which is what matching groups by.
 */
export const ALPINE_SECDB_ID_PREFIX = "ALPINE-SECDB-";

/** One record, with the page a person reads it on. */
export interface AlpineRecord {
  readonly record: OsvRecord;
  readonly upstreamUrl: string;
}

/**
 * Group secfixes entries into OSV records, one per vulnerability id, as OSV.dev's own Alpine
 * records do: one `affected` entry per (release, origin package), ecosystem `Alpine:v3.19`,
 * an ECOSYSTEM range `introduced 0` → `fixed <version>`. One record per id (rather than per
 * release and id) keeps the id stable when a new release appears and lets matching find every
 * release in one read; the release filter is the ecosystem string.
 *
 * - Fixed version `0`: Alpine's convention for "this package was never affected" (a CVE that
 *   concerns another distribution's packaging, a feature not built, a fix older than the
 *   package; the security team describes attributing a CVE "to version 0" as the way
 *   maintainers reject it). OSV.dev copies it into `fixed: "0"`, an empty range under OSV
 *   semantics but one that reads as "fixed in 0" to people and to tools that special-case
 *   `0`. Here the package gets no `affected` entry at all, so no comparison can ever flag it,
 *   and the statement is kept as `database_specific.not_affected` for reports (VEX) and for
 *   `vigil advisory show`.
 * - The same id listed under several versions of one package in one release (`runc`
 *   CVE-2023-27561 under 1.1.4-r0 and 1.1.4-r7): the lowest version is the fix. Within a
 *   release branch versions only go up, so the first listed build already carried the fix;
 *   later listings are follow-ups (a re-applied or completed patch, often with its own
 *   note), and a version between the two is not vulnerable to the original issue. A `0`
 *   among them wins, as the lowest of all.
 *
 * `modified` is `now`, the sync time: secdb carries no dates.
 */
export function buildAlpineRecords(entries: Iterable<SecfixEntry>, now: string): AlpineRecord[] {
  const byId = new Map<string, Map<string, SecfixEntry>>();
  for (const entry of entries) {
    let packages = byId.get(entry.id);
    if (!packages) {
      packages = new Map();
      byId.set(entry.id, packages);
    }
    const key = `${entry.release}\u0000${entry.name}`;
    const known = packages.get(key);
    if (!known || apkComparator.compare(entry.fixed, known.fixed) < 0) packages.set(key, entry);
  }

  const records: AlpineRecord[] = [];
  for (const id of [...byId.keys()].sort()) {
    const chosen = [...byId.get(id)!.values()].sort(byNameThenRelease);
    const affected: OsvAffected[] = [];
    const notAffected: { ecosystem: string; name: string }[] = [];
    for (const entry of chosen) {
      const ecosystem = `Alpine:${entry.release}`;
      if (entry.fixed === "0") {
        notAffected.push({ ecosystem, name: entry.name });
        continue;
      }
      affected.push({
        package: {
          ecosystem,
          name: entry.name,
          purl: `pkg:apk/alpine/${encodeURIComponent(entry.name)}?arch=source`,
        },
        ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: entry.fixed }] }],
      });
    }
    const upstreamUrl = isCveId(id)
      ? `https://security.alpinelinux.org/vuln/${id}`
      : `https://secdb.alpinelinux.org/${chosen[0]!.release}/${chosen[0]!.repository}.json`;
    records.push({
      upstreamUrl,
      record: {
        schema_version: "1.7.0",
        id: `${ALPINE_SECDB_ID_PREFIX}${id}`,
        modified: now,
        upstream: [id],
        references: [{ type: "ADVISORY", url: upstreamUrl }],
        ...(affected.length > 0 ? { affected } : {}),
        database_specific: {
          source: "alpine-secdb",
          ...(notAffected.length > 0 ? { not_affected: notAffected } : {}),
        },
      },
    });
  }
  return records;
}

function byNameThenRelease(a: SecfixEntry, b: SecfixEntry): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return compareReleases(a.release, b.release);
}

/** `v3.9` < `v3.10` < `edge`. */
export function compareReleases(a: string, b: string): number {
  const key = (r: string) => {
    const m = /^v(\d+)\.(\d+)$/.exec(r);
    return m ? [Number(m[1]), Number(m[2])] : [Number.POSITIVE_INFINITY, 0];
  };
  const [a1, a2] = key(a);
  const [b1, b2] = key(b);
  return a1! - b1! || a2! - b2! || (a < b ? -1 : a > b ? 1 : 0);
}
