import {
  type GitlabClusterImage,
  type GitlabClusterMatch,
  type GitlabImportedFrom,
  type ImageInventory,
  type Match,
  type Platform,
  parseImageReference,
  parsePlatform,
  type ResolvedImage,
  repositoryOf,
  type SuppressedMatch,
} from "@vigil/core";
import type { FindingRecord } from "../../store/finding-record.js";
import { storedMatchOf, storedPlatformsOf } from "./stored-finding-match.js";
import type { StoredImage, StoredImageReader } from "./stored-images.js";

/**
 * Report inputs rebuilt from stored findings. The renderers take an image, its inventory and
 * matches; a finding keeps only the details of its latest detection. So each finding is joined
 * with the image stored under its digest (the platform whose layer it names), and its match is
 * the stored match of the same advisory, package, version and file. Where the image or the
 * match was not stored (a finding sent by an agent, an image since pruned), both are rebuilt
 * from the finding's details, and the GitLab export says so under `details.imported_from`
 * instead of inventing how the match was made.
 */

/** One finding with the match a report writes for it. */
export interface ReportEntry {
  readonly record: FindingRecord;
  readonly match: Match;
  /** The match was rebuilt from the finding's details (no stored match). */
  readonly rebuilt: boolean;
}

/** The findings of one image (one digest and platform). */
export interface ReportImage {
  readonly image: ResolvedImage;
  readonly inventory: ImageInventory;
  readonly entries: readonly ReportEntry[];
}

/** Groups findings by image and finds each one's match; images in digest order. */
export async function reportImages(
  records: readonly FindingRecord[],
  images: StoredImageReader,
): Promise<ReportImage[]> {
  const stored = new Map<string, StoredImage[]>();
  for (const image of await images.byDigests(records.map((r) => r.details.imageDigest))) {
    const list = stored.get(image.digest) ?? [];
    stored.set(image.digest, list);
    list.push(image);
  }
  const groups = new Map<
    string,
    { image: ResolvedImage; inventory: ImageInventory; entries: ReportEntry[] }
  >();
  for (const record of records) {
    const d = record.details;
    const image = storedPlatformsOf(record, stored.get(d.imageDigest) ?? [])[0];
    const key = image ? `${image.digest}\u0000${image.platform}` : `${d.imageDigest}\u0000${d.image}`;
    let group = groups.get(key);
    if (!group) {
      group = image
        ? { image: image.image ?? imageOfStored(image), inventory: image.inventory, entries: [] }
        : {
            image: imageOfDetails(d.image, d.imageDigest),
            inventory: { packages: [], issues: [] },
            entries: [],
          };
      groups.set(key, group);
    }
    const match = storedMatch(record, image);
    group.entries.push(
      match
        ? { record, match, rebuilt: false }
        : { record, match: matchOfDetails(record, group.image), rebuilt: true },
    );
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, group]) => group);
}

/**
 * The stored match of a finding; failing that, a stored match of its advisory and package at
 * another version or file (better the advisory's ranges and references than none).
 */
function storedMatch(record: FindingRecord, image: StoredImage | undefined): Match | undefined {
  const { advisoryId, packageName } = record.identity;
  return (
    storedMatchOf(record, image) ??
    image?.matches?.matches.find((m) => m.id === advisoryId && m.package.name === packageName)
  );
}

/** A stored image kept without its manifest and config: what the inventory row says of it. */
function imageOfStored(image: StoredImage): ResolvedImage {
  let platform: Platform = { os: "unknown", architecture: "unknown" };
  try {
    platform = parsePlatform(image.platform);
  } catch {
    // keep unknown: the platform text is the store's own and should parse
  }
  return { ...imageOfDetails(image.reference, image.manifestDigest), platform };
}

/** An image known only from a finding: its reference and the digest it ran. */
function imageOfDetails(reference: string, digest: string): ResolvedImage {
  let repository: string | undefined;
  try {
    repository = repositoryOf(parseImageReference(reference));
  } catch {
    // an archive or layout path: the reference is the best name there is
  }
  return {
    reference,
    ...(repository ? { repository } : {}),
    manifestDigest: digest,
    manifestMediaType: "application/vnd.oci.image.manifest.v1+json",
    platform: { os: "unknown", architecture: "unknown" },
    configDigest: "",
    config: { diffIds: [] },
    layers: [],
  };
}

/**
 * The match a finding's details describe. What a detection does not keep (which advisories,
 * the range, the source package it matched through, KEV dates) is left out or neutral: one
 * advisory, the installed version listed as affected, matched by the binary name.
 */
function matchOfDetails(record: FindingRecord, image: ResolvedImage): Match {
  const { identity, details: d } = record;
  const layerIndex = image.layers.findIndex((l) => l.digest === d.layerDigest);
  return {
    id: identity.advisoryId,
    aliases: d.aliases,
    advisoryIds: [identity.advisoryId],
    package: {
      type: d.packageType,
      name: identity.packageName,
      version: d.packageVersion,
      purl: d.purl,
      foundBy: "",
      location: { layerDigest: d.layerDigest, layerIndex: Math.max(0, layerIndex), path: d.path },
    },
    matchedVia: "binary",
    matchedName: identity.packageName,
    matchedVersion: d.packageVersion,
    ecosystem: "",
    comparator: "",
    range: { kind: "versions", version: d.packageVersion },
    ...(d.fixedVersion !== undefined ? { fixedVersion: d.fixedVersion } : {}),
    status: d.matchStatus,
    severity: d.severity,
    references: [],
  };
}

/** What a GitLab report says of a rebuilt match: where it came from, and the facts the finding has. */
function rebuiltFrom(record: FindingRecord): GitlabImportedFrom {
  return {
    tool: "Vigil",
    source: `stored finding ${record.id} (the match's explanation was not kept)`,
    facts: [
      ...(record.kev ? [{ key: "kev", name: "CISA Known Exploited Vulnerability", value: "listed" }] : []),
      ...(record.epss !== undefined
        ? [{ key: "epss", name: "EPSS probability of exploitation", value: String(record.epss) }]
        : []),
    ],
  };
}

/**
 * The images of a GitLab cluster image scanning report: each finding's match with the
 * workload container it was found in (its identity).
 */
export function gitlabClusterImages(groups: readonly ReportImage[]): GitlabClusterImage[] {
  return groups.map((group) => ({
    image: {
      reference: group.image.reference,
      ...(group.image.repository ? { repository: group.image.repository } : {}),
      ...(group.image.manifestDigest ? { manifestDigest: group.image.manifestDigest } : {}),
    },
    inventory: { ...(group.inventory.os ? { os: group.inventory.os } : {}) },
    matches: group.entries.map(({ record, match, rebuilt }): GitlabClusterMatch => {
      const id = record.identity;
      return {
        ...match,
        kubernetes: {
          namespace: id.namespace,
          kind: id.workloadKind,
          name: id.workloadName,
          containerName: id.containerName,
          clusterId: id.clusterId,
        },
        ...(rebuilt ? { importedFrom: rebuiltFrom(record) } : {}),
      };
    }),
  }));
}

/**
 * The matches of one image split as SARIF and CycloneDX take them: open findings, and
 * dismissed ones as suppressed (a dismissal is a person's decision recorded in Vigil, written
 * as an ignore "rule" whose source is the finding).
 */
export function splitDismissed(group: ReportImage): { matches: Match[]; suppressed: SuppressedMatch[] } {
  const matches: Match[] = [];
  const suppressed: SuppressedMatch[] = [];
  for (const { record, match } of group.entries) {
    if (record.state !== "dismissed" || !record.dismissal) {
      matches.push(match);
      continue;
    }
    const reason = record.dismissal.comment ?? `dismissed as ${record.dismissal.reason.replaceAll("_", " ")}`;
    suppressed.push({
      match,
      by: {
        kind: "ignore",
        reason,
        rule: {
          id: match.id,
          package: match.package.name,
          reason,
          dismissal: record.dismissal.reason,
          source: { file: `vigil:finding/${record.id}`, line: 0 },
        },
      },
    });
  }
  return { matches, suppressed };
}
