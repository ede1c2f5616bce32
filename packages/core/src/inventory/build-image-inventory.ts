import type { ImageInventory } from "../model/image-inventory.js";
import { compareIssues, type LocatedIssue } from "../model/issue.js";
import { comparePackages, type Package } from "../model/package.js";
import { chooseRpmDatabase } from "./choose-rpm-database.js";
import { mergeLayers, type PlacedLayer } from "./merge-layers.js";
import { packageUrl } from "./package-url.js";
import { reconcileNpmLockfiles } from "./reconcile-npm-lockfiles.js";
import { resolveOs } from "./resolve-os.js";

/**
 * The inventory stage: merge per-layer results into the image as it runs, attach the OS
 * and each package's URL and origin layer. Pure: same layers in, same inventory out.
 */
export function buildImageInventory(
  layers: readonly PlacedLayer[],
  extraIssues: readonly LocatedIssue[] = [],
): ImageInventory {
  const merged = mergeLayers(layers);
  const rpm = chooseRpmDatabase(merged.packages);
  const npm = reconcileNpmLockfiles(rpm.packages);
  const os = resolveOs(merged.osFacts, npm.packages);
  const packages: Package[] = npm.packages.map(({ pkg, location }) => {
    const { foundBy, path: _path, ...rest } = pkg;
    return { ...rest, purl: packageUrl(pkg, os), foundBy, location };
  });
  packages.sort(comparePackages);
  const issues = [
    ...layers.flatMap((l) => l.inventory.issues),
    ...rpm.issues,
    ...npm.issues,
    ...extraIssues,
  ].sort(compareIssues);
  return { ...(os ? { os } : {}), packages, issues };
}
