import type { PackageType } from "../model/package.js";

/** OSV ecosystem of each language package type (purl type → OSV ecosystem name). */
const LANGUAGE_ECOSYSTEMS: Partial<Record<PackageType, string>> = {
  npm: "npm",
  pypi: "PyPI",
  golang: "Go",
  maven: "Maven",
  cargo: "crates.io",
  gem: "RubyGems",
  composer: "Packagist",
  nuget: "NuGet",
};

/** The OSV ecosystem of a language package, or undefined for OS package types. */
export function languageEcosystem(type: PackageType): string | undefined {
  return LANGUAGE_ECOSYSTEMS[type];
}
