import type { VersionComparator } from "./comparator.js";
import { UnknownEcosystemError } from "./errors.js";
import { BUILTIN_SCHEMES, type VersionSchemes } from "./schemes.js";

/**
 * OSV ecosystem name → version scheme id (https://ossf.github.io/osv-schema/#defined-ecosystems).
 * Keys are the part before the first `:`; the rest (`Debian:12`, `Alpine:v3.19`,
 * `Ubuntu:Pro:22.04:LTS`, `Red Hat:enterprise_linux:9::appstream`,
 * `SUSE:Linux Enterprise Server 15 SP5`) scopes a release and never changes the scheme.
 */
export const ECOSYSTEM_SCHEMES: Readonly<Record<string, string>> = {
  Debian: "deb",
  Ubuntu: "deb",
  Alpine: "apk",
  Wolfi: "apk",
  Chainguard: "apk",
  Alpaquita: "apk",
  "Red Hat": "rpm",
  "Rocky Linux": "rpm",
  AlmaLinux: "rpm",
  SUSE: "rpm",
  openSUSE: "rpm",
  Mageia: "rpm",
  openEuler: "rpm",
  "Photon OS": "rpm",
  "Azure Linux": "rpm",
  npm: "semver-npm",
  "crates.io": "semver",
  Hex: "semver",
  Bitnami: "semver",
  Go: "semver-go",
  PyPI: "pep440",
  Maven: "maven",
  RubyGems: "gem",
  NuGet: "nuget",
  Packagist: "composer",
};

/** The ecosystem without its release suffix: `Red Hat:enterprise_linux:9::appstream` → `Red Hat`. */
export function ecosystemBase(ecosystem: string): string {
  const colon = ecosystem.indexOf(":");
  return colon < 0 ? ecosystem : ecosystem.slice(0, colon);
}

/** The scheme id for an OSV ecosystem string, or `undefined` when none is known. */
export function schemeForEcosystem(ecosystem: string): string | undefined {
  const base = ecosystemBase(ecosystem);
  return Object.hasOwn(ECOSYSTEM_SCHEMES, base) ? ECOSYSTEM_SCHEMES[base] : undefined;
}

/**
 * The comparator for an OSV ecosystem string. Throws {@link UnknownEcosystemError} when the
 * ecosystem has no scheme (names are case-sensitive, as in OSV).
 */
export function comparatorForEcosystem(
  ecosystem: string,
  schemes: VersionSchemes = BUILTIN_SCHEMES,
): VersionComparator {
  const scheme = schemeForEcosystem(ecosystem);
  const comparator = scheme === undefined ? undefined : schemes.get(scheme);
  if (comparator === undefined) throw new UnknownEcosystemError(ecosystem);
  return comparator;
}
