import { apkComparator } from "./apk/apk.js";
import type { VersionComparator } from "./comparator.js";
import { composerComparator } from "./composer/composer.js";
import { debComparator } from "./deb/deb.js";
import { gemComparator } from "./gem/gem.js";
import { mavenComparator } from "./maven/maven.js";
import { nugetComparator } from "./nuget/nuget.js";
import { pep440Comparator } from "./pep440/pep440.js";
import { rpmComparator } from "./rpm/rpm.js";
import { goSemverComparator, npmSemverComparator, semverComparator } from "./semver/flavours.js";

/** The built-in comparators, one per scheme. Adding a scheme means adding it here (no import side effects). */
export const BUILTIN_COMPARATORS: readonly VersionComparator[] = [
  debComparator,
  apkComparator,
  rpmComparator,
  semverComparator,
  npmSemverComparator,
  goSemverComparator,
  pep440Comparator,
  mavenComparator,
  gemComparator,
  nugetComparator,
  composerComparator,
];

/** Two comparators claim the same scheme id: a programming error, found when the registry is built. */
export class DuplicateSchemeError extends Error {
  override readonly name = "DuplicateSchemeError";
  /** The scheme id claimed twice. */
  readonly scheme: string;

  constructor(scheme: string, options?: { readonly cause?: unknown }) {
    super(`version scheme ${JSON.stringify(scheme)} is registered twice`, options);
    this.scheme = scheme;
  }
}

/** Comparators by scheme id. */
export type VersionSchemes = ReadonlyMap<string, VersionComparator>;

/** Index comparators by scheme, rejecting duplicates. */
export function createVersionSchemes(comparators: readonly VersionComparator[]): VersionSchemes {
  const schemes = new Map<string, VersionComparator>();
  for (const comparator of comparators) {
    if (schemes.has(comparator.scheme)) throw new DuplicateSchemeError(comparator.scheme);
    schemes.set(comparator.scheme, comparator);
  }
  return schemes;
}

/** The built-in schemes, indexed. */
export const BUILTIN_SCHEMES: VersionSchemes = createVersionSchemes(BUILTIN_COMPARATORS);
