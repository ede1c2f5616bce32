import type { Match } from "@vigil/core";
import type { FindingRecord } from "../../store/finding-record.js";
import type { StoredImage } from "./stored-images.js";

/**
 * Joining a stored finding with the stored image and match it came from. A finding keeps only
 * the details of its latest detection; the image stored under its digest (one row per platform
 * of a multi-platform index) keeps the whole match. A finding's identity names the match's
 * primary id and package name (`detectionsOfClusterScan`), and its details the package's purl,
 * version, file and layer (`findingDetailsOfMatch`): the same fields pick the match here.
 */

/**
 * The stored platforms of a finding's digest, best first: the platform whose manifest lists
 * the finding's layer, then one whose inventory holds a package from that layer, then the
 * others in their order. Give only images of the finding's `details.imageDigest`.
 */
export function storedPlatformsOf(record: FindingRecord, images: readonly StoredImage[]): StoredImage[] {
  const layer = record.details.layerDigest;
  const rank = (image: StoredImage) =>
    image.image?.layers.some((l) => l.digest === layer)
      ? 0
      : image.inventory.packages.some((p) => p.location.layerDigest === layer)
        ? 1
        : 2;
  // a stable sort: equal ranks keep the reader's platform order
  return [...images].sort((a, b) => rank(a) - rank(b));
}

/**
 * The match of `image` that a finding was detected from: the finding's advisory id and package
 * name, the same package (purl, when both have one, and version), preferring the same file
 * and layer (an image may hold two copies of a package). Undefined when the image has no
 * stored matches or none is that finding's.
 */
export function storedMatchOf(record: FindingRecord, image: StoredImage | undefined): Match | undefined {
  const matches = image?.matches?.matches;
  if (!matches) return undefined;
  const { advisoryId, packageName } = record.identity;
  const d = record.details;
  const same = matches.filter(
    (m) =>
      m.id === advisoryId &&
      m.package.name === packageName &&
      m.package.version === d.packageVersion &&
      (m.package.purl === d.purl || m.package.purl === "" || d.purl === ""),
  );
  const sameFile = same.filter((m) => m.package.location.path === d.path);
  return sameFile.find((m) => m.package.location.layerDigest === d.layerDigest) ?? sameFile[0] ?? same[0];
}
