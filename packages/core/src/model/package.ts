/**
 * Package kinds Vigil knows. The value is the package-URL type
 * (https://github.com/package-url/purl-spec/blob/master/PURL-TYPES.rst).
 */
export const PACKAGE_TYPES = [
  "deb",
  "apk",
  "rpm",
  "npm",
  "pypi",
  "maven",
  "golang",
  "cargo",
  "gem",
  "composer",
  "nuget",
] as const;

/** One of {@link PACKAGE_TYPES}. */
export type PackageType = (typeof PACKAGE_TYPES)[number];

/**
 * A package as one extractor read it from one file of one layer, before distro facts are
 * known. Extractors return these; the inventory stage turns them into {@link Package}s.
 */
export interface ExtractedPackage {
  readonly type: PackageType;
  /** Binary (installed) package name. */
  readonly name: string;
  /**
   * Installed version exactly as the ecosystem spells it for comparison:
   * deb `[epoch:]upstream[-revision]`, apk `1.2.3-r4`, rpm `[epoch:]version-release`.
   */
  readonly version: string;
  /** Source package name (dpkg `Source:`, apk origin, rpm source RPM name); advisories are keyed by it. */
  readonly sourceName?: string;
  /** Source package version; equal to `version` unless the database names another (dpkg `Source: x (ver)`). */
  readonly sourceVersion?: string;
  readonly arch?: string;
  /**
   * The file this package was read from, when it is not the file the extractor was given
   * (for example a package found inside an archive).
   */
  readonly path?: string;
  /** Extra fields that some ecosystems carry (rpm epoch/release/vendor/modularity label, licence ...). */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Where a package was found: the layer that introduced it and the file it came from. */
export interface PackageLocation {
  /** Digest of the layer blob that holds the file the package was read from. */
  readonly layerDigest: string;
  /** Uncompressed digest of that layer (config `rootfs.diff_ids`), when known. */
  readonly diffId?: string;
  /** 0-based index of that layer in the manifest. */
  readonly layerIndex: number;
  /** Absolute path of the file inside the image. */
  readonly path: string;
}

/** A package of a merged image inventory, with its package URL and origin. */
export interface Package extends ExtractedPackage {
  /** Package URL (purl), built after the merge when distro facts are known. */
  readonly purl: string;
  /** Name of the extractor that produced it, e.g. `os/dpkg`. */
  readonly foundBy: string;
  readonly location: PackageLocation;
}

/** Deterministic package order: type, name, version, path. */
export function comparePackages(a: Package, b: Package): number {
  return (
    cmp(a.type, b.type) ||
    cmp(a.name, b.name) ||
    cmp(a.version, b.version) ||
    cmp(a.arch ?? "", b.arch ?? "") ||
    cmp(a.location.path, b.location.path)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
