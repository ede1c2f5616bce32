import type { OsInfo } from "../model/os-info.js";
import type { MergedOsFact, MergedPackage } from "./merge-layers.js";

/**
 * Choose the image's OS from the facts that survived the merge: the highest priority
 * wins (os-release over release files), then the highest layer. Distroless Debian
 * images carry no os-release at all; their `base-files` package version names the
 * release (`12.4+deb12u5` → Debian 12), which is what Debian itself stamps there.
 */
export function resolveOs(
  facts: readonly MergedOsFact[],
  packages: readonly MergedPackage[],
): OsInfo | undefined {
  let best: MergedOsFact | undefined;
  for (const candidate of facts) {
    if (
      !best ||
      candidate.fact.priority > best.fact.priority ||
      (candidate.fact.priority === best.fact.priority && candidate.layerIndex > best.layerIndex)
    ) {
      best = candidate;
    }
  }
  if (best) {
    const { priority: _priority, ...info } = best.fact;
    return info;
  }
  const baseFiles = packages.find((p) => p.pkg.type === "deb" && p.pkg.name === "base-files");
  const major = baseFiles && /^(\d+)(?:[.+~]|$)/.exec(baseFiles.pkg.version)?.[1];
  if (baseFiles && major) {
    return {
      id: "debian",
      versionId: major,
      source: `${baseFiles.location.path} (base-files ${baseFiles.pkg.version})`,
    };
  }
  return undefined;
}
