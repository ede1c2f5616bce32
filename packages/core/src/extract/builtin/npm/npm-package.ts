import type { ExtractedPackage } from "../../../model/package.js";

/**
 * npm package names: an optional `@scope/` and a name, neither containing `/` or
 * whitespace (https://docs.npmjs.com/cli/configuring-npm/package-json#name). Older
 * packages may have capitals (`JSONStream`), so case is not checked.
 */
const NAME = /^(?:@[^\s/@]+\/)?[^\s/@.][^\s/]*$/;

/** Is `name` usable as an npm package name (`lodash`, `@babel/core`)? */
export function isNpmName(name: unknown): name is string {
  return typeof name === "string" && name.length <= 214 && NAME.test(name);
}

/**
 * A version as the registry gives it: semver, without the `v` that npm strips
 * (https://semver.org). Lockfiles also hold git URLs, tarball URLs and `file:` paths
 * in version fields; those are not registry versions.
 */
const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/** Is `version` a registry (semver) version? */
export function isRegistryVersion(version: unknown): boolean {
  return typeof version === "string" && SEMVER.test(version);
}

/** Optional facts about one npm package, stored as string metadata. */
export interface NpmPackageFacts {
  readonly license?: string;
  /** Listed in a lockfile rather than read from an installed `package.json`. */
  readonly fromLockfile?: boolean;
  /** The lockfile marks it as a dev dependency (omitted by `npm ci --omit=dev`). */
  readonly dev?: boolean;
  readonly optional?: boolean;
  /** The folder name it is installed under, when that differs from its name (an npm alias). */
  readonly installedAs?: string;
}

/** Build the {@link ExtractedPackage} of an npm package; metadata only for facts that are set. */
export function npmPackage(name: string, version: string, facts: NpmPackageFacts = {}): ExtractedPackage {
  const metadata: Record<string, string> = {};
  if (facts.license) metadata.license = facts.license;
  if (facts.fromLockfile) metadata.fromLockfile = "true";
  if (facts.dev) metadata.dev = "true";
  if (facts.optional) metadata.optional = "true";
  if (facts.installedAs && facts.installedAs !== name) metadata.installedAs = facts.installedAs;
  return {
    type: "npm",
    name,
    version,
    ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
  };
}

/**
 * The licence of a `package.json` or lockfile entry as one string: `license` as an SPDX
 * expression, the deprecated object form `{ "type": "MIT" }`, or a deprecated
 * `licenses` (or `license`) array, whose entries are alternatives (joined with ` OR `).
 * https://docs.npmjs.com/cli/configuring-npm/package-json#license
 */
export function npmLicense(entry: Readonly<Record<string, unknown>>): string | undefined {
  for (const value of [entry.license, entry.licenses]) {
    const one = licenseText(value);
    if (one) return one;
    // Old packages list alternatives, as `licenses` or (wrongly but often) `license`.
    if (Array.isArray(value)) {
      const all = value.map(licenseText).filter((l): l is string => l !== undefined);
      if (all.length > 0) return [...new Set(all)].join(" OR ");
    }
  }
  return undefined;
}

function licenseText(value: unknown): string | undefined {
  if (typeof value === "string") return value.trim() || undefined;
  if (value && typeof value === "object" && "type" in value && typeof value.type === "string") {
    return value.type.trim() || undefined;
  }
  return undefined;
}

/** Is `value` a plain JSON object? */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
