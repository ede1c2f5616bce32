import type * as CycloneDx from "@cyclonedx/cyclonedx-library";
import type { Advisory } from "../advisory/advisory.js";
import type { SeverityLevel } from "../advisory/severity-level.js";
import type { ResolvedImage } from "../model/image.js";
import type { ImageInventory } from "../model/image-inventory.js";
import type { Match } from "../model/match.js";
import type { Package } from "../model/package.js";
import type { SuppressedBy, SuppressedMatch } from "../suppress/apply-suppressions.js";
import type { DismissalReason } from "../suppress/ignore-rule.js";
import {
  buildCycloneDxSbom,
  cycloneDx,
  imageComponent,
  serializeCycloneDx,
  serialNumber,
} from "./cyclonedx-sbom.js";
import { distributionSource, vulnerabilitySource } from "./vulnerability-links.js";

/** Options of {@link renderCycloneDxVulnerabilities}. */
export interface CycloneDxVulnerabilitiesOptions {
  readonly image: ResolvedImage;
  readonly inventory: ImageInventory;
  /** Findings: one `vulnerabilities[]` entry each. */
  readonly matches: readonly Match[];
  /** Suppressed matches: listed too, with the `analysis` that suppressed them. */
  readonly suppressed?: readonly SuppressedMatch[];
  /**
   * The advisory records the matches came from (the store's `advisories(ids)`), when at
   * hand: they add CWEs, every CVSS vector an advisory gives, and publication dates.
   */
  readonly advisories?: ReadonlyMap<string, Advisory>;
  /** Injected clock, so output is reproducible. */
  readonly now: Date;
  readonly toolVersion: string;
}

/** Options of {@link renderCycloneDxVex}. */
export interface CycloneDxVexOptions extends CycloneDxVulnerabilitiesOptions {
  /**
   * `serialNumber` (and `version`, default 1) of the SBOM this VEX accompanies: `affects`
   * refs then are BOM-Links into it (`urn:cdx:<serial>/<version>#<bom-ref>`), the form VEX
   * consumers such as Trivy resolve. Without it refs are the bare bom-refs of Vigil's SBOM
   * (package URLs, so purl-based consumers still match them).
   */
  readonly sbom?: { readonly serialNumber: string; readonly version?: number };
}

/** Property names under Vigil's namespace (CycloneDX property taxonomy convention). */
const PROP = {
  severitySource: "vigil:severity:source",
  severityRaw: "vigil:severity:raw",
  matchVia: "vigil:match:via",
  matchName: "vigil:match:name",
  matchVersion: "vigil:match:version",
  matchEcosystem: "vigil:match:ecosystem",
  matchStatus: "vigil:match:status",
  advisory: "vigil:advisory",
  kevDateAdded: "vigil:kev:date_added",
  epssScore: "vigil:epss:score",
  epssPercentile: "vigil:epss:percentile",
  suppressedBy: "vigil:suppressed_by",
  suppressionSource: "vigil:suppression:source",
} as const;

/**
 * The image as a CycloneDX 1.6 JSON document: the SBOM of `renderCycloneDxSbom` (same
 * components and bom-refs) plus `vulnerabilities`, one per match: id and source, aliases as
 * references, ratings (the severity Vigil uses, a distribution's own rating as method
 * `other` with the distribution as source, and with `advisories` every CVSS vector given),
 * CWEs, description, the upgrade recommendation, advisories, `affects` pointing at the
 * package's component with the affected range (vers) and the fixed range, and for
 * suppressed matches the `analysis` (state, justification, detail) of the VEX statement or
 * ignore rule that suppressed them. Sorted: equal input gives byte-equal output.
 */
export function renderCycloneDxVulnerabilities(options: CycloneDxVulnerabilitiesOptions): string {
  const sbom = buildCycloneDxSbom(options);
  const bom = sbom.bom;
  bom.serialNumber = serialNumber(`${options.image.manifestDigest}#vulnerabilities`, options.now);
  const refs = componentIndex(sbom.components);
  for (const entry of entries(options)) {
    const ref = refs.get(packageKey(entry.match.package));
    // A match whose package is not in this inventory still gets a component to point at.
    const target = ref ?? addComponent(bom, entry.match.package);
    bom.vulnerabilities.add(vulnerability(entry, target.bomRef, options, false));
  }
  return serializeCycloneDx(bom);
}

/**
 * A CycloneDX 1.6 VEX document for the image: no components, the image as the metadata
 * component, and one vulnerability per match whose `affects` only refer to the package
 * components of the SBOM (by BOM-Link when `sbom` is given). Every entry has an
 * `analysis.state`: the suppressing statement's or rule's for suppressed matches, else
 * `in_triage` (found by the scanner, not assessed by anyone), with the response `update`
 * when a fix exists or `will_not_fix` when the distribution declined.
 */
export function renderCycloneDxVex(options: CycloneDxVexOptions): string {
  const { Enums, Models } = cycloneDx();
  const bom = new Models.Bom();
  bom.serialNumber = serialNumber(`${options.image.manifestDigest}#vex`, options.now);
  bom.metadata.timestamp = options.now;
  bom.metadata.tools.components.add(
    new Models.Component(Enums.ComponentType.Application, "vigil", {
      version: options.toolVersion,
      group: "vigil",
    }),
  );
  bom.metadata.component = imageComponent(options.image);
  const refs = componentIndex(buildCycloneDxSbom(options).components);
  const link = options.sbom
    ? `urn:cdx:${options.sbom.serialNumber.replace(/^urn:uuid:/, "")}/${options.sbom.version ?? 1}`
    : undefined;
  for (const entry of entries(options)) {
    const value = refs.get(packageKey(entry.match.package))?.bomRef.value ?? entry.match.package.purl;
    const ref = link
      ? new Models.BomLinkElement(`${link}#${encodeURIComponent(value)}`)
      : new Models.BomRef(value);
    bom.vulnerabilities.add(vulnerability(entry, ref, options, true));
  }
  return serializeCycloneDx(bom);
}

interface Entry {
  readonly match: Match;
  readonly by?: SuppressedBy;
}

function entries(options: CycloneDxVulnerabilitiesOptions): Entry[] {
  return [...options.matches.map((match) => ({ match })), ...(options.suppressed ?? [])];
}

function vulnerability(
  entry: Entry,
  ref: CycloneDx.Models.BomRef | CycloneDx.Models.BomLinkElement,
  options: CycloneDxVulnerabilitiesOptions,
  vex: boolean,
): CycloneDx.Models.Vulnerability.Vulnerability {
  const { Models } = cycloneDx();
  const V = Models.Vulnerability;
  const { match } = entry;
  const records = match.advisoryIds.flatMap((id) => {
    const advisory = options.advisories?.get(id);
    return advisory ? [advisory] : [];
  });
  const lead = records[0]?.record;
  const source = vulnerabilitySource(match.id);
  const v = new V.Vulnerability({
    // Unique per (vulnerability, component): the library replaces missing or repeated bom-refs with random ones.
    bomRef: `${match.id}|${ref.toString()}`,
    id: match.id,
    source: new V.Source({ name: source.name, url: source.url }),
    ...(match.summary || match.description ? { description: match.summary ?? match.description } : {}),
    ...(match.summary && match.description ? { detail: match.description } : {}),
    ...(recommendation(match) ? { recommendation: recommendation(match) } : {}),
    ...(lead?.published ? { published: new Date(lead.published) } : {}),
    ...(lead?.modified ? { updated: new Date(lead.modified) } : {}),
  });
  for (const alias of match.aliases) {
    const s = vulnerabilitySource(alias);
    v.references.add(new V.Reference(alias, new V.Source({ name: s.name, url: s.url })));
  }
  for (const rating of ratings(match, records)) v.ratings.add(rating);
  for (const cwe of cwes(records)) v.cwes.add(cwe);
  for (const url of match.references) v.advisories.add(new V.Advisory(url));
  v.affects.add(new V.Affect(ref, { versions: new V.AffectedVersionRepository(affectedVersions(match)) }));
  const analysis = entry.by ? suppressionAnalysis(entry.by) : vex ? triageAnalysis(match) : undefined;
  if (analysis) v.analysis = analysis;
  for (const [name, value] of properties(match, entry.by)) v.properties.add(new Models.Property(name, value));
  return v;
}

function recommendation(match: Match): string | undefined {
  const pkg = match.package;
  if (match.fixedVersion) {
    return match.matchedVia === "source" && match.matchedName !== pkg.name
      ? `Upgrade to ${match.matchedName} ${match.fixedVersion} or later (the source package of ${pkg.name}).`
      : `Upgrade to ${pkg.name} ${match.fixedVersion} or later.`;
  }
  if (match.status === "will-not-fix")
    return `The distribution will not fix this in ${match.ecosystem}; remove ${pkg.name} or accept the risk.`;
  return undefined;
}

const CDX_SEVERITY: Readonly<Record<SeverityLevel, string>> = {
  critical: "critical",
  high: "high",
  medium: "medium",
  low: "low",
  negligible: "info",
  unknown: "unknown",
};

function severityOf(level: SeverityLevel): CycloneDx.Enums.Vulnerability.Severity {
  return CDX_SEVERITY[level] as CycloneDx.Enums.Vulnerability.Severity;
}

function ratings(match: Match, records: readonly Advisory[]): CycloneDx.Models.Vulnerability.Rating[] {
  const { Enums, Models } = cycloneDx();
  const V = Models.Vulnerability;
  const out: CycloneDx.Models.Vulnerability.Rating[] = [];
  const seen = new Set<string>();
  const add = (rating: CycloneDx.Models.Vulnerability.Rating) => {
    const key = `${rating.method}|${rating.vector ?? ""}|${rating.source?.name ?? ""}|${rating.severity ?? ""}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(rating);
  };
  const s = match.severity;
  const leadSource = vulnerabilitySource(match.advisoryIds[0] ?? match.id);
  if (s.source === "distribution" || s.source === "database") {
    const from = s.source === "distribution" ? distributionSource(match.ecosystem, match.id) : leadSource;
    add(
      new V.Rating({
        method: Enums.Vulnerability.RatingMethod.Other,
        severity: severityOf(s.level),
        source: new V.Source({ name: from.name, url: from.url }),
        ...(s.raw && s.raw.toLowerCase() !== s.level ? { justification: `rated ${s.raw}` } : {}),
      }),
    );
  } else if (s.source !== "none") {
    add(
      new V.Rating({
        method: cvssMethod(s.source, s.vector),
        severity: severityOf(s.level),
        ...(s.score !== undefined ? { score: s.score } : {}),
        ...(s.vector ? { vector: s.vector } : {}),
        source: new V.Source({ name: leadSource.name, url: leadSource.url }),
      }),
    );
  }
  // Every other vector the advisories give: no score (Vigil computes one only for the rating it uses).
  for (const advisory of records) {
    const from = vulnerabilitySource(advisory.record.id);
    const given = [
      ...(advisory.record.severity ?? []),
      ...(advisory.record.affected ?? []).flatMap((a) => a.severity ?? []),
    ];
    for (const severity of given) {
      if (severity.score === s.vector) continue;
      const method = severity.type.startsWith("CVSS_")
        ? cvssMethod(
            severity.type === "CVSS_V4" ? "cvss-v4" : severity.type === "CVSS_V3" ? "cvss-v3" : "cvss-v2",
            severity.score,
          )
        : Enums.Vulnerability.RatingMethod.Other;
      add(
        new V.Rating({
          method,
          ...(method === Enums.Vulnerability.RatingMethod.Other
            ? { justification: `${severity.type} rating ${severity.score}` }
            : { vector: severity.score }),
          source: new V.Source({ name: from.name, url: from.url }),
        }),
      );
    }
  }
  return out;
}

function cvssMethod(source: string, vector: string | undefined): CycloneDx.Enums.Vulnerability.RatingMethod {
  const { Enums } = cycloneDx();
  const M = Enums.Vulnerability.RatingMethod;
  if (source === "cvss-v4") return M.CVSSv4;
  if (source === "cvss-v2") return M.CVSSv2;
  return vector?.startsWith("CVSS:3.1/") ? M.CVSSv31 : M.CVSSv3;
}

/** CWE numbers from the advisories' `database_specific.cwe_ids` (GitHub and OSV write `CWE-79`). */
function cwes(records: readonly Advisory[]): number[] {
  const out = new Set<number>();
  for (const advisory of records) {
    const ids = advisory.record.database_specific?.cwe_ids;
    if (!Array.isArray(ids)) continue;
    for (const id of ids) {
      const n = typeof id === "string" ? Number(/^CWE-(\d+)$/i.exec(id)?.[1]) : Number.NaN;
      if (Number.isInteger(n) && n > 0) out.add(n);
    }
  }
  return [...out].sort((a, b) => a - b);
}

/**
 * The affected range in vers (https://github.com/package-url/vers-spec): the scheme is the
 * purl type (`semver` for SEMVER ranges), the constraints the matched range's events, in the
 * versions of the package matched through (the source package for OS packages matched by
 * source). With a fix, the fixed range is given as `unaffected` too.
 */
function affectedVersions(match: Match): CycloneDx.Models.Vulnerability.AffectedVersion[] {
  const { Enums, Models } = cycloneDx();
  const V = Models.Vulnerability;
  const affected = Enums.Vulnerability.AffectStatus.Affected;
  const range = match.range;
  if (range.kind === "versions") return [new V.AffectedSingleVersion(range.version, { status: affected })];
  const scheme = range.rangeType === "SEMVER" ? "semver" : match.package.type;
  const constraints: string[] = [];
  if (range.introduced !== "0") constraints.push(`>=${versEscape(range.introduced)}`);
  if (range.fixed) constraints.push(`<${versEscape(range.fixed)}`);
  else if (range.lastAffected) constraints.push(`<=${versEscape(range.lastAffected)}`);
  const out = [
    new V.AffectedVersionRange(`vers:${scheme}/${constraints.join("|") || "*"}`, { status: affected }),
  ];
  if (match.fixedVersion)
    out.push(
      new V.AffectedVersionRange(`vers:${scheme}/>=${versEscape(match.fixedVersion)}`, {
        status: Enums.Vulnerability.AffectStatus.Unaffected,
      }),
    );
  return out;
}

/** vers percent-encodes characters that would read as syntax (`|`, comparators, `%`). */
function versEscape(version: string): string {
  return version.replace(
    /[%|<>=!*,\s]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`,
  );
}

/** OpenVEX justification → CycloneDX (the mapping Trivy and vexctl use). */
const OPENVEX_TO_CDX: Readonly<Record<string, string>> = {
  component_not_present: "code_not_present",
  vulnerable_code_not_present: "code_not_present",
  vulnerable_code_not_in_execute_path: "code_not_reachable",
  vulnerable_code_cannot_be_controlled_by_adversary: "requires_environment",
  inline_mitigations_already_exist: "protected_by_mitigating_control",
};

const CDX_JUSTIFICATIONS = new Set([
  "code_not_present",
  "code_not_reachable",
  "requires_configuration",
  "requires_dependency",
  "requires_environment",
  "protected_by_compiler",
  "protected_at_runtime",
  "protected_at_perimeter",
  "protected_by_mitigating_control",
]);

/**
 * An ignore rule's dismissal as CycloneDX analysis. `acceptable_risk` is not "not
 * affected": the vulnerability is there and the risk was taken, which CycloneDX says as
 * `exploitable` with the response `will_not_fix`.
 */
const DISMISSAL_ANALYSIS: Readonly<Record<DismissalReason, { state: string; justification?: string }>> = {
  acceptable_risk: { state: "exploitable" },
  false_positive: { state: "false_positive" },
  mitigating_control: { state: "not_affected", justification: "protected_by_mitigating_control" },
  used_in_tests: { state: "not_affected", justification: "code_not_reachable" },
  not_applicable: { state: "not_affected" },
};

function suppressionAnalysis(by: SuppressedBy): CycloneDx.Models.Vulnerability.Analysis {
  const { Enums, Models } = cycloneDx();
  const E = Enums.Vulnerability;
  if (by.kind === "ignore") {
    const mapped = DISMISSAL_ANALYSIS[by.rule.dismissal];
    const where = `Vigil ignore rule, ${by.rule.source.file}:${by.rule.source.line}${by.rule.expires ? `, expires ${by.rule.expires}` : ""}`;
    return new Models.Vulnerability.Analysis({
      state: mapped.state as CycloneDx.Enums.Vulnerability.AnalysisState,
      ...(mapped.justification
        ? { justification: mapped.justification as CycloneDx.Enums.Vulnerability.AnalysisJustification }
        : {}),
      ...(by.rule.dismissal === "acceptable_risk"
        ? { response: new E.AnalysisResponseRepository([E.AnalysisResponse.WillNotFix]) }
        : {}),
      detail: `${by.rule.reason} (${where})`,
    });
  }
  const st = by.statement;
  const state =
    st.originalStatus === "false_positive" || st.originalStatus === "resolved_with_pedigree"
      ? st.originalStatus
      : st.status === "fixed"
        ? "resolved"
        : "not_affected";
  const justification =
    st.justification === undefined
      ? undefined
      : st.format === "openvex"
        ? OPENVEX_TO_CDX[st.justification]
        : CDX_JUSTIFICATIONS.has(st.justification)
          ? st.justification
          : undefined;
  const where = `${st.format === "openvex" ? "OpenVEX" : "CycloneDX VEX"} statement, ${st.source.file}${st.source.line !== undefined ? `:${st.source.line}` : ""}`;
  const text = st.impactStatement ?? st.statusNotes;
  return new Models.Vulnerability.Analysis({
    state: state as CycloneDx.Enums.Vulnerability.AnalysisState,
    ...(state === "not_affected" && justification
      ? { justification: justification as CycloneDx.Enums.Vulnerability.AnalysisJustification }
      : {}),
    detail: `${text ? `${text} ` : ""}(${where}${st.justification ? `; justification ${st.justification}` : ""})`,
  });
}

function triageAnalysis(match: Match): CycloneDx.Models.Vulnerability.Analysis {
  const { Enums, Models } = cycloneDx();
  const E = Enums.Vulnerability;
  const response = match.fixedVersion
    ? [E.AnalysisResponse.Update]
    : match.status === "will-not-fix"
      ? [E.AnalysisResponse.WillNotFix]
      : [];
  return new Models.Vulnerability.Analysis({
    state: E.AnalysisState.InTriage,
    ...(response.length > 0 ? { response: new E.AnalysisResponseRepository(response) } : {}),
  });
}

function properties(match: Match, by: SuppressedBy | undefined): [string, string][] {
  const out: [string, string][] = [
    [PROP.severitySource, match.severity.source],
    [PROP.matchVia, match.matchedVia],
    [PROP.matchName, match.matchedName],
    [PROP.matchVersion, match.matchedVersion],
    [PROP.matchEcosystem, match.ecosystem],
    [PROP.matchStatus, match.status],
    ...match.advisoryIds.map((id): [string, string] => [PROP.advisory, id]),
  ];
  if (match.severity.raw) out.push([PROP.severityRaw, match.severity.raw]);
  if (match.kev) out.push([PROP.kevDateAdded, match.kev.dateAdded]);
  if (match.epss) {
    out.push([PROP.epssScore, String(match.epss.score)]);
    out.push([PROP.epssPercentile, String(match.epss.percentile)]);
  }
  if (by) {
    out.push([PROP.suppressedBy, by.kind === "ignore" ? "ignore-rule" : `vex:${by.statement.format}`]);
    const source = by.kind === "ignore" ? by.rule.source : by.statement.source;
    out.push([
      PROP.suppressionSource,
      source.line !== undefined ? `${source.file}:${source.line}` : source.file,
    ]);
  }
  return out;
}

function packageKey(pkg: Package): string {
  return `${pkg.purl}\u0000${pkg.location.path}\u0000${pkg.location.layerDigest}`;
}

function componentIndex(
  components: ReadonlyMap<Package, CycloneDx.Models.Component>,
): Map<string, CycloneDx.Models.Component> {
  return new Map([...components].map(([pkg, c]) => [packageKey(pkg), c]));
}

function addComponent(bom: CycloneDx.Models.Bom, pkg: Package): CycloneDx.Models.Component {
  const { Enums, Models } = cycloneDx();
  const c = new Models.Component(Enums.ComponentType.Library, pkg.name, {
    bomRef: `${pkg.purl}#${pkg.location.path}`,
    version: pkg.version,
    purl: pkg.purl,
  });
  bom.components.add(c);
  return c;
}
