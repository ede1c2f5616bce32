/**
 * Version comparison: one comparator per version scheme, a map from OSV ecosystem to scheme,
 * and {@link compareVersions}, the public entry point.
 */
export {
  ApkToken,
  type ApkVersion,
  apkComparator,
  apkFuzzyMatch,
  compareApkVersions,
  parseApkVersion,
} from "./apk/apk.js";
export {
  type ComparatorDefinition,
  type ComparatorOptions,
  type CompareResult,
  createComparator,
  type ParsedVersion,
  type VersionComparator,
} from "./comparator.js";
export { compareVersions } from "./compare-versions.js";
export {
  type ComposerVersion,
  compareComposerVersions,
  composerComparator,
  parseComposerVersion,
} from "./composer/composer.js";
export {
  compareDebFragment,
  compareDebVersions,
  type DebVersion,
  debComparator,
  parseDebVersion,
} from "./deb/deb.js";
export {
  comparatorForEcosystem,
  ECOSYSTEM_SCHEMES,
  ecosystemBase,
  schemeForEcosystem,
} from "./ecosystems.js";
export {
  InvalidVersionError,
  UnknownEcosystemError,
  VersionError,
  type VersionErrorOptions,
  VersionParseError,
} from "./errors.js";
export {
  compareGemVersions,
  type GemSegment,
  type GemVersion,
  gemComparator,
  parseGemVersion,
} from "./gem/gem.js";
export {
  compareMavenVersions,
  type MavenItem,
  type MavenVersion,
  mavenComparator,
  parseMavenVersion,
} from "./maven/maven.js";
export {
  compareNugetVersions,
  type NugetVersion,
  nugetComparator,
  parseNugetVersion,
} from "./nuget/nuget.js";
export {
  comparePep440,
  normalizePep440,
  type Pep440Version,
  parsePep440,
  pep440Comparator,
} from "./pep440/pep440.js";
export { compareRpmVersions, parseRpmVersion, type RpmVersion, rpmComparator, rpmvercmp } from "./rpm/rpm.js";
export {
  BUILTIN_COMPARATORS,
  BUILTIN_SCHEMES,
  createVersionSchemes,
  DuplicateSchemeError,
  type VersionSchemes,
} from "./schemes.js";
export { goSemverComparator, npmSemverComparator, semverComparator } from "./semver/flavours.js";
export {
  compareSemver,
  createSemverComparator,
  parseSemver,
  type SemverFlavour,
  type SemverVersion,
} from "./semver/semver.js";
