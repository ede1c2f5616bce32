import { createHash } from "node:crypto";
import { compareSeverity, type SeverityLevel } from "../../advisory/severity-level.js";
import type { ResolvedImage } from "../../model/image.js";
import type { ImageInventory } from "../../model/image-inventory.js";
import type { Match } from "../../model/match.js";
import type { SuppressedMatch } from "../../suppress/apply-suppressions.js";
import { ociPurl } from "../cyclonedx-sbom.js";
import { vulnerabilitySource } from "../vulnerability-links.js";
import type {
  SarifArtifact,
  SarifLevel,
  SarifLog,
  SarifResult,
  SarifRule,
  SarifSuppression,
} from "./sarif-log.js";

/** Options of {@link renderSarif}. */
export interface SarifOptions {
  readonly image: ResolvedImage;
  readonly inventory: ImageInventory;
  /** Findings: one result each. */
  readonly matches: readonly Match[];
  /**
   * Suppressed matches (ignore rules, VEX). Written as results carrying a SARIF
   * `suppressions` entry, so code scanning shows them as dismissed instead of losing them.
   */
  readonly suppressed?: readonly SuppressedMatch[];
  readonly tool: { readonly version: string };
  /** Injected clock (`invocations[0].endTimeUtc`), so output is reproducible. */
  readonly now: Date;
  /**
   * `runAutomationDetails.id`; GitHub code scanning uses it as the upload's category, which
   * keeps the alerts of several images in one repository apart (e.g. `vigil/api-server/`).
   */
  readonly category?: string;
}

/** The SARIF schema the output conforms to (the OASIS Standard with Errata 01). */
export const SARIF_SCHEMA_URI =
  "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/**
 * The key under which results carry their fingerprint. Versioned: a change in what the hash
 * covers must change the key, or code scanning would match unrelated alerts.
 */
export const SARIF_FINGERPRINT_KEY = "vigilFindingHash/v1";

const LEVEL: Readonly<Record<SeverityLevel, SarifLevel>> = {
  critical: "error",
  high: "error",
  medium: "warning",
  low: "note",
  negligible: "note",
  unknown: "note",
};

/**
 * Matches of one image as a SARIF 2.1.0 log (JSON text with a final newline), shaped for
 * GitHub code scanning:
 * - one rule per vulnerability id, with `security-severity` (the CVSS score, when known)
 *   and the `security` tag code scanning needs to read it;
 * - one result per match, level from severity (critical/high: error, medium: warning, the
 *   rest: note), its message naming package, installed and fixed version;
 * - the image is artifact 0 (its purl as URI, the manifest digest as hash); each package
 *   file is an artifact nested in it (`parentIndex` 0) whose URI is the path inside the
 *   image; layer digest and index are properties of the artifact and of the location;
 * - `partialFingerprints` hash what identifies a finding across scans (ARCHITECTURE.md
 *   section 5): image repository, vulnerability id, package type, name and file path, but
 *   not versions or digests, so a CVE that survives an image rebuild stays one alert.
 * Rules, artifacts and results are sorted, so equal input gives byte-equal output.
 */
export function renderSarif(options: SarifOptions): string {
  return `${JSON.stringify(buildSarif(options), null, 2)}\n`;
}

/** The SARIF log of {@link renderSarif} as an object. */
export function buildSarif(options: SarifOptions): SarifLog {
  const { image, inventory } = options;
  const entries = [
    ...options.matches.map((match) => ({ match, suppressedBy: undefined })),
    ...(options.suppressed ?? []).map((s) => ({ match: s.match, suppressedBy: s })),
  ].sort((a, b) => compareForReport(a.match, b.match));

  const byRule = new Map<string, Match[]>();
  for (const { match } of entries) {
    const list = byRule.get(match.id) ?? [];
    byRule.set(match.id, list);
    list.push(match);
  }
  const ruleIds = [...byRule.keys()].sort(cmp);
  const rules = ruleIds.map((id) => rule(id, byRule.get(id)!));
  const ruleIndex = new Map(ruleIds.map((id, i) => [id, i]));

  const imageName = image.repository ?? repositoryOf(image.reference);
  const artifacts: SarifArtifact[] = [imageArtifact(image, inventory)];
  const files = new Map<string, Match>();
  for (const { match } of entries) if (!files.has(fileKey(match))) files.set(fileKey(match), match);
  const fileIndex = new Map<string, number>();
  for (const key of [...files.keys()].sort(cmp)) {
    fileIndex.set(key, artifacts.length);
    artifacts.push(fileArtifact(files.get(key)!));
  }

  const results = entries.map(({ match, suppressedBy }): SarifResult => {
    const pkg = match.package;
    const loc = pkg.location;
    return {
      ruleId: match.id,
      ruleIndex: ruleIndex.get(match.id)!,
      kind: "fail",
      level: LEVEL[match.severity.level],
      message: { text: message(match) },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: relativeUri(loc.path), index: fileIndex.get(fileKey(match))! },
          },
          message: { text: `${pkg.name} ${pkg.version} in ${loc.path}, layer ${loc.layerIndex}` },
          properties: {
            layerDigest: loc.layerDigest,
            ...(loc.diffId ? { layerDiffId: loc.diffId } : {}),
            layerIndex: loc.layerIndex,
            ...(pkg.path ? { packagePath: pkg.path } : {}),
          },
        },
      ],
      partialFingerprints: { [SARIF_FINGERPRINT_KEY]: fingerprint(imageName, match) },
      ...(suppressedBy ? { suppressions: [suppression(suppressedBy)] } : {}),
      properties: resultProperties(match),
    };
  });

  return {
    $schema: SARIF_SCHEMA_URI,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "Vigil",
            fullName: `Vigil container image scanner ${options.tool.version}`,
            version: options.tool.version,
            ...(/^\d+\.\d+\.\d+/.test(options.tool.version) ? { semanticVersion: options.tool.version } : {}),
            rules,
          },
        },
        ...(options.category ? { automationDetails: { id: options.category } } : {}),
        invocations: [{ executionSuccessful: true, endTimeUtc: options.now.toISOString() }],
        artifacts,
        results,
      },
    ],
  };
}

function rule(id: string, matches: readonly Match[]): SarifRule {
  // Matches arrive most severe first; the rule shows the worst case.
  const worst = matches[0]!;
  const score = Math.max(...matches.map((m) => m.severity.score ?? -1));
  const summary = matches.find((m) => m.summary)?.summary;
  const description = matches.find((m) => m.description)?.description;
  const link = vulnerabilitySource(id);
  const packages = [...new Set(matches.map((m) => `${m.package.name} ${m.package.version}`))];
  const helpText = [
    `${id}${summary ? `: ${summary}` : ""}`,
    `Severity: ${severityText(worst)}`,
    ...matches.map(
      (m) => `Package: ${m.package.name} ${m.package.version} (${m.package.location.path}); ${fixText(m)}`,
    ),
    `More: ${link.url}`,
  ].join("\n");
  const helpMarkdown = [
    `**${id}**${summary ? `: ${escapeMarkdown(summary)}` : ""}`,
    "",
    `Severity: **${severityText(worst)}**`,
    "",
    "| Package | Installed | Fixed | File |",
    "| --- | --- | --- | --- |",
    ...matches.map(
      (m) =>
        `| ${escapeMarkdown(m.package.name)} | ${escapeMarkdown(m.package.version)} | ${escapeMarkdown(fixedColumn(m))} | ${escapeMarkdown(m.package.location.path)} |`,
    ),
    "",
    `[${id} in ${link.name}](${link.url})`,
  ].join("\n");
  return {
    id,
    shortDescription: { text: summary ?? `${id} in ${packages.join(", ")}` },
    fullDescription: { text: description ?? summary ?? `Vulnerability ${id}` },
    help: { text: helpText, markdown: helpMarkdown },
    helpUri: link.url,
    defaultConfiguration: { level: LEVEL[worst.severity.level] },
    properties: {
      tags: [
        "security",
        "vulnerability",
        worst.severity.level,
        ...(matches.some((m) => m.kev) ? ["known-exploited"] : []),
      ],
      precision: "very-high",
      ...(score >= 0 ? { "security-severity": score.toFixed(1) } : {}),
    },
  };
}

function imageArtifact(image: ResolvedImage, inventory: ImageInventory): SarifArtifact {
  const name = image.repository ?? image.reference;
  const [algorithm, hex] = image.manifestDigest.split(":");
  return {
    location: { uri: ociPurl(name, image.manifestDigest, image.platform.architecture) },
    roles: ["analysisTarget"],
    description: { text: `Container image ${image.reference} (${platformText(image)})` },
    ...(algorithm === "sha256" && hex ? { hashes: { "sha-256": hex } } : {}),
    properties: {
      reference: image.reference,
      ...(image.repository ? { repository: image.repository } : {}),
      manifestDigest: image.manifestDigest,
      ...(image.indexDigest ? { indexDigest: image.indexDigest } : {}),
      configDigest: image.configDigest,
      platform: platformText(image),
      ...(inventory.os
        ? { os: inventory.os.prettyName ?? `${inventory.os.id} ${inventory.os.versionId ?? ""}`.trim() }
        : {}),
      layers: image.layers.map((l) => l.digest),
    },
  };
}

function fileArtifact(match: Match): SarifArtifact {
  const loc = match.package.location;
  return {
    location: { uri: relativeUri(loc.path) },
    parentIndex: 0,
    properties: {
      path: loc.path,
      layerDigest: loc.layerDigest,
      ...(loc.diffId ? { layerDiffId: loc.diffId } : {}),
      layerIndex: loc.layerIndex,
    },
  };
}

function message(match: Match): string {
  const pkg = match.package;
  const via =
    match.matchedVia === "source" && match.matchedName !== pkg.name
      ? ` (source package ${match.matchedName} ${match.matchedVersion})`
      : "";
  const summary = match.summary ? `: ${match.summary}` : "";
  return `${pkg.name} ${pkg.version}${via} is affected by ${match.id} (${match.severity.level})${summary}. ${capitalize(fixText(match))}.`;
}

function fixText(match: Match): string {
  if (match.fixedVersion) {
    const name = match.matchedVia === "source" ? match.matchedName : match.package.name;
    return `fixed in ${name} ${match.fixedVersion}`;
  }
  return match.status === "will-not-fix"
    ? "the distribution will not fix it"
    : "no fixed version is known yet";
}

function fixedColumn(match: Match): string {
  if (!match.fixedVersion) return match.status === "will-not-fix" ? "will not fix" : "none yet";
  const via = match.matchedVia === "source" && match.matchedName !== match.package.name;
  return via ? `${match.matchedName} ${match.fixedVersion}` : match.fixedVersion;
}

function severityText(match: Match): string {
  const s = match.severity;
  const detail = [
    s.source !== "none" ? s.source : undefined,
    s.score !== undefined ? s.score.toFixed(1) : undefined,
  ]
    .filter(Boolean)
    .join(" ");
  return detail ? `${s.level} (${detail})` : s.level;
}

function resultProperties(match: Match): Record<string, unknown> {
  const pkg = match.package;
  return {
    packageName: pkg.name,
    packageVersion: pkg.version,
    packageType: pkg.type,
    purl: pkg.purl,
    ...(match.fixedVersion ? { fixedVersion: match.fixedVersion } : {}),
    status: match.status,
    severity: match.severity.level,
    severitySource: match.severity.source,
    ...(match.severity.score !== undefined ? { cvssScore: match.severity.score } : {}),
    ...(match.severity.vector ? { cvssVector: match.severity.vector } : {}),
    matchedVia: match.matchedVia,
    matchedName: match.matchedName,
    matchedVersion: match.matchedVersion,
    ecosystem: match.ecosystem,
    advisoryIds: match.advisoryIds,
    ...(match.aliases.length > 0 ? { aliases: match.aliases } : {}),
    ...(match.kev ? { kev: match.kev } : {}),
    ...(match.epss ? { epss: match.epss } : {}),
  };
}

function suppression(suppressed: SuppressedMatch): SarifSuppression {
  const by = suppressed.by;
  const properties =
    by.kind === "ignore"
      ? {
          suppressedBy: "ignore-rule",
          dismissal: by.rule.dismissal,
          file: by.rule.source.file,
          line: by.rule.source.line,
          ...(by.rule.expires ? { expires: by.rule.expires } : {}),
        }
      : {
          suppressedBy: "vex",
          vexFormat: by.statement.format,
          vexStatus: by.statement.originalStatus,
          ...(by.statement.justification ? { justification: by.statement.justification } : {}),
          file: by.statement.source.file,
          ...(by.statement.source.line !== undefined ? { line: by.statement.source.line } : {}),
        };
  return { kind: "external", status: "accepted", justification: by.reason, properties };
}

/** What identifies a finding across scans: no version, digest or layer (ARCHITECTURE.md section 5). */
function fingerprint(imageName: string, match: Match): string {
  const pkg = match.package;
  const identity = [imageName, match.id, pkg.type, pkg.name, pkg.location.path].join("\u0000");
  return createHash("sha256").update(identity).digest("hex");
}

/** `host:5000/app:1.0@sha256:…` → `host:5000/app`: the tag and digest change with every rebuild. */
function repositoryOf(reference: string): string {
  const name = reference.split("@")[0]!;
  const colon = name.lastIndexOf(":");
  return colon > name.lastIndexOf("/") ? name.slice(0, colon) : name;
}

function fileKey(match: Match): string {
  const loc = match.package.location;
  return `${loc.path}\u0000${String(loc.layerIndex).padStart(6, "0")}\u0000${loc.layerDigest}`;
}

/** A path inside the image as a relative URI reference (per segment, so `:` never reads as a scheme). */
function relativeUri(path: string): string {
  return path.replace(/^\/+/, "").split("/").map(encodeURIComponent).join("/");
}

function compareForReport(a: Match, b: Match): number {
  return (
    -compareSeverity(a.severity.level, b.severity.level) ||
    cmp(a.package.name, b.package.name) ||
    cmp(a.id, b.id) ||
    cmp(a.package.version, b.package.version) ||
    cmp(a.package.location.path, b.package.location.path) ||
    cmp(a.package.location.layerDigest, b.package.location.layerDigest)
  );
}

function platformText(image: ResolvedImage): string {
  const p = image.platform;
  return [p.os, p.architecture, p.variant].filter(Boolean).join("/");
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]|<>]/g, "\\$&");
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
