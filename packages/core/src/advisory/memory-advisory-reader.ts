import type { Advisory, CveEnrichment } from "./advisory.js";
import { ecosystemKey, normalizePackageName } from "./ecosystem-key.js";
import {
  type AdvisoryReader,
  type AffectedHit,
  type PackageQuery,
  packageQueryKey,
  type SourceState,
} from "./store.js";

/**
 * An {@link AdvisoryReader} over advisories held in memory, indexed the way the database
 * store indexes them. For tests, and for programs that embed matching without a database.
 */
export function createMemoryAdvisoryReader(input: {
  readonly advisories: readonly Advisory[];
  readonly enrichment?: readonly CveEnrichment[];
  readonly sources?: readonly SourceState[];
}): AdvisoryReader {
  const byId = new Map<string, Advisory>();
  const byPackage = new Map<string, AffectedHit[]>();
  const byAlias = new Map<string, Set<string>>();
  for (const advisory of input.advisories) {
    const { record } = advisory;
    byId.set(record.id, advisory);
    for (const alias of [record.id, ...(record.aliases ?? []), ...(record.upstream ?? [])]) {
      const ids = byAlias.get(alias) ?? new Set<string>();
      byAlias.set(alias, ids.add(record.id));
    }
    for (const affected of record.affected ?? []) {
      if (!affected.package) continue;
      const base = ecosystemKey(affected.package.ecosystem).base;
      const key = packageQueryKey({
        ecosystemBase: base,
        name: normalizePackageName(base, affected.package.name),
      });
      const hits = byPackage.get(key) ?? [];
      byPackage.set(key, hits);
      hits.push({
        advisoryId: record.id,
        ecosystem: affected.package.ecosystem,
        name: affected.package.name,
        affected,
      });
    }
  }
  const enrichment = new Map((input.enrichment ?? []).map((e) => [e.cve, e]));
  return {
    async affectedBy(queries: readonly PackageQuery[]) {
      const out = new Map<string, readonly AffectedHit[]>();
      for (const query of queries) {
        const normalized = {
          ecosystemBase: query.ecosystemBase,
          name: normalizePackageName(query.ecosystemBase, query.name),
        };
        const hits = byPackage.get(packageQueryKey(normalized)) ?? [];
        out.set(
          packageQueryKey(query),
          query.release === undefined
            ? hits
            : hits.filter((h) => ecosystemKey(h.ecosystem).release === query.release),
        );
      }
      return out;
    },
    async advisories(ids) {
      return new Map(ids.flatMap((id) => (byId.has(id) ? [[id, byId.get(id)!] as const] : [])));
    },
    async idsForAlias(alias) {
      return [...(byAlias.get(alias) ?? [])].sort();
    },
    async idsForAliases(aliases) {
      return new Map(aliases.map((alias) => [alias, [...(byAlias.get(alias) ?? [])].sort()]));
    },
    async enrichment(cves) {
      return new Map(
        cves.flatMap((cve) => (enrichment.has(cve) ? [[cve, enrichment.get(cve)!] as const] : [])),
      );
    },
    async sources() {
      return input.sources ?? [];
    },
  };
}
