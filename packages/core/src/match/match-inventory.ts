import type { Advisory } from "../advisory/advisory.js";
import { ecosystemKey } from "../advisory/ecosystem-key.js";
import type { OsvAffected } from "../advisory/osv-record.js";
import { type AdvisorySeverity, compareSeverity, SEVERITY_SOURCES } from "../advisory/severity-level.js";
import {
  type AdvisoryReader,
  type AffectedHit,
  type PackageQuery,
  packageQueryKey,
} from "../advisory/store.js";
import type { ImageInventory } from "../model/image-inventory.js";
import type { LocatedIssue } from "../model/issue.js";
import type { Match, MatchStatus } from "../model/match.js";
import type { Package } from "../model/package.js";
import {
  type AffectsProblem,
  evaluateAffected,
  type RangeComparators,
  type RangeMatch,
  type VersionsMatch,
} from "./affects.js";
import { withCvssFallback } from "./cvss-fallback.js";
import { languageEcosystem } from "./language-ecosystem.js";
import { type OsEcosystem, osEcosystem } from "./os-ecosystem.js";
import { rangeComparatorsFor } from "./range-comparators.js";

/** The result of matching one inventory. */
export interface InventoryMatches {
  /** Sorted: most severe first, then package, then id. */
  readonly matches: readonly Match[];
  /** Versions that could not be compared, OS packages that could not be matched, and why. */
  readonly issues: readonly LocatedIssue[];
  /** The advisory ecosystem OS packages were matched against (`Debian:12`), if any. */
  readonly osEcosystem?: string;
  /** Why OS packages were not matched, when they were not. */
  readonly osNotMatched?: string;
}

const OS_TYPES = new Set(["deb", "apk", "rpm"]);

interface Candidate {
  readonly pkg: Package;
  readonly base: string;
  /** The OS release to fetch entries for; undefined for language ecosystems. */
  readonly release?: string;
  readonly name: string;
  readonly version: string;
  readonly via: "binary" | "source";
  readonly comparators: RangeComparators;
  readonly applies: (ecosystem: string) => boolean;
}

interface RawMatch {
  readonly candidate: Candidate;
  readonly hit: AffectedHit;
  readonly by: RangeMatch | VersionsMatch;
}

/**
 * The match stage: every package of an inventory against the advisories of its own
 * ecosystem. OS packages are looked up by source and binary name, only in their
 * distribution's advisories for the exact release; language packages by their OSV
 * ecosystem. A version that cannot be compared is an issue, never a silent "not affected".
 */
export async function matchInventory(input: {
  readonly inventory: ImageInventory;
  readonly reader: AdvisoryReader;
}): Promise<InventoryMatches> {
  const { inventory, reader } = input;
  const issues: LocatedIssue[] = [];
  const os = osEcosystem(inventory.os);
  const osPackages = inventory.packages.filter((p) => OS_TYPES.has(p.type));
  const candidates: Candidate[] = [];
  for (const pkg of inventory.packages) candidates.push(...candidatesOf(pkg, os));
  if ("reason" in os && osPackages.length > 0) {
    issues.push({
      severity: "warning",
      code: "os-packages-not-matched",
      message: `${osPackages.length} OS packages were not matched: ${os.reason}`,
      source: "match",
      location: {},
    });
  }

  const queries = uniqueQueries(candidates);
  const hits = await reader.affectedBy(queries);
  const raw: RawMatch[] = [];
  const reported = new Set<string>();
  for (const candidate of candidates) {
    for (const hit of hits.get(packageQueryKey(queryOf(candidate))) ?? []) {
      if (!candidate.applies(hit.ecosystem)) continue;
      const verdict = evaluateAffected(hit.affected, candidate.version, candidate.comparators);
      for (const problem of verdict.problems) {
        const key = `${candidate.pkg.purl}\0${problem.code}\0${problem.value}`;
        if (reported.has(key)) continue;
        reported.add(key);
        issues.push(problemIssue(candidate, hit, problem));
      }
      if (verdict.status === "affected") raw.push({ candidate, hit, by: verdict.by });
    }
  }

  const advisories = await reader.advisories([...new Set(raw.map((r) => r.hit.advisoryId))]);
  const matches = await withCvssFallback(collapse(raw, advisories), reader);
  const cves = [...new Set(matches.map((m) => m.id).filter((id) => id.startsWith("CVE-")))];
  const enrichment = cves.length > 0 ? await reader.enrichment(cves) : new Map();
  const enriched = matches.map((m) => {
    const extra = enrichment.get(m.id);
    return extra
      ? { ...m, ...(extra.kev ? { kev: extra.kev } : {}), ...(extra.epss ? { epss: extra.epss } : {}) }
      : m;
  });
  enriched.sort(compareMatches);
  return {
    matches: enriched,
    issues,
    ...("reason" in os
      ? osPackages.length > 0
        ? { osNotMatched: os.reason }
        : {}
      : { osEcosystem: os.label }),
  };
}

function candidatesOf(pkg: Package, os: OsEcosystem | { reason: string }): Candidate[] {
  if (OS_TYPES.has(pkg.type)) {
    if ("reason" in os) return [];
    const comparators = rangeComparatorsFor(os.label);
    const out: Candidate[] = [];
    const source = pkg.sourceName;
    if (source && source !== pkg.name) {
      out.push({
        pkg,
        base: os.base,
        ...(os.release !== undefined ? { release: os.release } : {}),
        name: source,
        version: pkg.sourceVersion ?? pkg.version,
        via: "source",
        comparators,
        applies: os.applies,
      });
    }
    // Same name: the advisories keyed by source package compare the source version
    // (a binNMU `+b2` binary is built from the unchanged source).
    const sameName = source === pkg.name;
    out.push({
      pkg,
      base: os.base,
      ...(os.release !== undefined ? { release: os.release } : {}),
      name: pkg.name,
      version: sameName ? (pkg.sourceVersion ?? pkg.version) : pkg.version,
      via: sameName ? "source" : "binary",
      comparators,
      applies: os.applies,
    });
    return out;
  }
  const ecosystem = languageEcosystem(pkg.type);
  if (!ecosystem) return [];
  return [
    {
      pkg,
      base: ecosystem,
      name: pkg.name,
      version: pkg.version,
      via: "binary",
      comparators: rangeComparatorsFor(ecosystem),
      applies: (e) => ecosystemKey(e).base === ecosystem,
    },
  ];
}

function queryOf(c: Candidate): PackageQuery {
  return { ecosystemBase: c.base, name: c.name, ...(c.release !== undefined ? { release: c.release } : {}) };
}

function uniqueQueries(candidates: readonly Candidate[]): PackageQuery[] {
  const seen = new Map<string, PackageQuery>();
  for (const c of candidates) {
    const query = queryOf(c);
    seen.set(packageQueryKey(query), query);
  }
  return [...seen.values()];
}

function problemIssue(candidate: Candidate, hit: AffectedHit, problem: AffectsProblem): LocatedIssue {
  const { pkg } = candidate;
  return {
    severity: "warning",
    code:
      problem.code === "invalid-installed-version"
        ? "installed-version-not-comparable"
        : `advisory-${problem.code}`,
    message: `${pkg.name} ${candidate.version} against ${hit.advisoryId}: ${problem.message}; the result for this advisory is unknown`,
    source: "match",
    location: { layerDigest: pkg.location.layerDigest, path: pkg.location.path, record: pkg.name },
  };
}

/** Group one package's matches by vulnerability (shared ids, aliases or upstream ids) into one Match each. */
function collapse(raw: readonly RawMatch[], advisories: ReadonlyMap<string, Advisory>): Match[] {
  const byPackage = new Map<Package, RawMatch[]>();
  for (const r of raw) {
    const list = byPackage.get(r.candidate.pkg) ?? [];
    byPackage.set(r.candidate.pkg, list);
    list.push(r);
  }
  const out: Match[] = [];
  for (const [pkg, list] of byPackage) {
    // Union-find over identifiers: advisories sharing any id describe one vulnerability.
    const parent = new Map<string, string>();
    const find = (x: string): string => {
      let root = x;
      while (parent.get(root) !== root) root = parent.get(root) ?? root;
      parent.set(x, root);
      return root;
    };
    const union = (a: string, b: string) => {
      for (const x of [a, b]) if (!parent.has(x)) parent.set(x, x);
      parent.set(find(a), find(b));
    };
    for (const r of list) {
      const id = r.hit.advisoryId;
      union(id, id);
      for (const other of identifiers(advisories.get(id), id)) union(id, other);
    }
    const groups = new Map<string, RawMatch[]>();
    for (const r of list) {
      const root = find(r.hit.advisoryId);
      const group = groups.get(root) ?? [];
      groups.set(root, group);
      group.push(r);
    }
    for (const group of groups.values()) out.push(toMatch(pkg, group, advisories));
  }
  return out;
}

function identifiers(advisory: Advisory | undefined, id: string): string[] {
  if (!advisory) return [id];
  const { record } = advisory;
  return [record.id, ...(record.aliases ?? []), ...(record.upstream ?? [])];
}

function toMatch(pkg: Package, group: readonly RawMatch[], advisories: ReadonlyMap<string, Advisory>): Match {
  // Prefer the source-name match (advisories are keyed by source package) and the advisory
  // with the most trusted severity as the one whose details are shown.
  const ordered = [...group].sort(
    (a, b) =>
      (a.candidate.via === b.candidate.via ? 0 : a.candidate.via === "source" ? -1 : 1) ||
      severityRank(advisories.get(a.hit.advisoryId)?.severity, advisories.get(b.hit.advisoryId)?.severity) ||
      (a.hit.advisoryId < b.hit.advisoryId ? -1 : 1),
  );
  const lead = ordered[0]!;
  const ids = new Set<string>();
  for (const r of group)
    for (const id of identifiers(advisories.get(r.hit.advisoryId), r.hit.advisoryId)) ids.add(id);
  const cve = [...ids].filter((id) => id.startsWith("CVE-")).sort()[0];
  const advisoryIds = [...new Set(ordered.map((r) => r.hit.advisoryId))];
  const primary = cve ?? advisoryIds[0]!;
  const leadAdvisory = advisories.get(lead.hit.advisoryId);
  const fixed = highestFixed(group);
  const status: MatchStatus = fixed
    ? "fixed"
    : group.some((r) => declinedToFix(r.hit.affected))
      ? "will-not-fix"
      : "affected";
  const severity = ordered
    .map((r) => advisories.get(r.hit.advisoryId)?.severity)
    .filter((s): s is AdvisorySeverity => s !== undefined)
    .sort((a, b) => severityRank(a, b))[0] ?? { level: "unknown", source: "none" };
  const record = leadAdvisory?.record;
  return {
    id: primary,
    aliases: [...ids].filter((id) => id !== primary).sort(),
    advisoryIds: advisoryIds,
    package: pkg,
    matchedVia: lead.candidate.via,
    matchedName: lead.candidate.name,
    matchedVersion: lead.candidate.version,
    ecosystem: lead.hit.ecosystem,
    comparator: lead.candidate.comparators.ecosystem.scheme,
    range: lead.by,
    ...(fixed ? { fixedVersion: fixed } : {}),
    status,
    severity,
    ...(record?.summary ? { summary: record.summary } : {}),
    ...(record?.details ? { description: record.details } : {}),
    references: [
      ...new Set(
        ordered.flatMap((r) => advisories.get(r.hit.advisoryId)?.record.references?.map((x) => x.url) ?? []),
      ),
    ],
  };
}

/** Negative when `a` is the better severity to report: more trusted source, then higher level. */
function severityRank(a: AdvisorySeverity | undefined, b: AdvisorySeverity | undefined): number {
  const ta = SEVERITY_SOURCES.indexOf(a?.source ?? "none");
  const tb = SEVERITY_SOURCES.indexOf(b?.source ?? "none");
  if (ta !== tb) return ta - tb;
  return -compareSeverity(a?.level ?? "unknown", b?.level ?? "unknown");
}

/** When advisories disagree, the highest fixed version is the one that fixes them all. */
function highestFixed(group: readonly RawMatch[]): string | undefined {
  let best: string | undefined;
  for (const r of group) {
    if (r.by.kind !== "range" || !r.by.fixed) continue;
    const comparator =
      r.by.rangeType === "SEMVER" ? r.candidate.comparators.semver : r.candidate.comparators.ecosystem;
    if (best === undefined || comparator.compare(r.by.fixed, best) > 0) best = r.by.fixed;
  }
  return best;
}

/**
 * Distribution data that says the package will not be fixed in this release: Debian's
 * tracker `ignored` / `end-of-life`, or an explicit status.
 */
function declinedToFix(affected: OsvAffected): boolean {
  for (const bag of [affected.ecosystem_specific, affected.database_specific]) {
    if (!bag) continue;
    const values = [bag.status, bag.nodsa_reason, bag.urgency, bag.fix_status].map((v) =>
      typeof v === "string" ? v.toLowerCase() : "",
    );
    if (values.some((v) => ["will-not-fix", "will_not_fix", "wontfix", "ignored", "end-of-life"].includes(v)))
      return true;
  }
  return false;
}

function compareMatches(a: Match, b: Match): number {
  return (
    -compareSeverity(a.severity.level, b.severity.level) ||
    (a.package.name < b.package.name ? -1 : a.package.name > b.package.name ? 1 : 0) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) ||
    (a.package.location.path < b.package.location.path
      ? -1
      : a.package.location.path > b.package.location.path
        ? 1
        : 0)
  );
}
