import {
  type ImageInventory,
  languageEcosystem,
  normalizePackageName,
  osEcosystem,
  type PackageType,
} from "@vigil/core";

/**
 * A package as the advisory store indexes affected entries: the ecosystem base (`Debian`,
 * `PyPI`) and the normalized name (`affected_package.package_name`).
 */
export interface ImagePackageKey {
  readonly ecosystem: string;
  readonly name: string;
}

const OS_TYPES: ReadonlySet<PackageType> = new Set(["deb", "apk", "rpm"]);

/**
 * Every key under which matching looks an inventory's packages up (as `matchInventory` asks
 * the advisory store): OS packages by binary and source name in their distribution's
 * ecosystem, language packages by their OSV ecosystem and normalized name. Sorted, without
 * repeats. OS packages of an image whose distribution has no advisories get none, as matching
 * skips them. The OS release is left out on purpose: an advisory change for any release of the
 * distribution re-matches the image, which costs a re-match and never misses one.
 */
export function imagePackageKeys(inventory: ImageInventory): ImagePackageKey[] {
  const os = osEcosystem(inventory.os);
  const keys = new Map<string, ImagePackageKey>();
  const add = (ecosystem: string, name: string) => {
    const normalized = normalizePackageName(ecosystem, name);
    keys.set(`${ecosystem}\u0000${normalized}`, { ecosystem, name: normalized });
  };
  for (const pkg of inventory.packages) {
    if (OS_TYPES.has(pkg.type)) {
      if ("reason" in os) continue;
      add(os.base, pkg.name);
      if (pkg.sourceName) add(os.base, pkg.sourceName);
      continue;
    }
    const ecosystem = languageEcosystem(pkg.type);
    if (ecosystem) add(ecosystem, pkg.name);
  }
  return [...keys.values()].sort(compareImagePackageKeys);
}

/** By ecosystem, then name, by code unit (the databases' byte order for ASCII). */
export function compareImagePackageKeys(a: ImagePackageKey, b: ImagePackageKey): number {
  if (a.ecosystem !== b.ecosystem) return a.ecosystem < b.ecosystem ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
