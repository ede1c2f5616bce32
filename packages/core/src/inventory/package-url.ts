import { PackageURL } from "packageurl-js";
import type { OsInfo } from "../model/os-info.js";
import type { ExtractedPackage } from "../model/package.js";

/**
 * Build the package URL of a package once the OS is known
 * (https://github.com/package-url/purl-spec): OS packages are namespaced by the
 * distribution id and carry `arch`, `distro`, and for rpm `epoch`, so two images of
 * different releases never share a purl for different builds.
 */
export function packageUrl(pkg: ExtractedPackage, os: OsInfo | undefined): string {
  const qualifiers: Record<string, string> = {};
  if (pkg.arch) qualifiers.arch = pkg.arch;
  let namespace: string | undefined;
  let version = pkg.version;
  switch (pkg.type) {
    case "deb":
      namespace = os?.id ?? "debian";
      if (os?.versionId) qualifiers.distro = `${os.id}-${os.versionId}`;
      if (pkg.sourceName && pkg.sourceName !== pkg.name) {
        qualifiers.upstream =
          pkg.sourceVersion && pkg.sourceVersion !== pkg.version
            ? `${pkg.sourceName}@${pkg.sourceVersion}`
            : pkg.sourceName;
      }
      break;
    case "apk":
      namespace = os?.id ?? "alpine";
      if (os?.versionId) qualifiers.distro = `${os.id}-${os.versionId}`;
      break;
    case "rpm": {
      namespace = os?.id;
      if (os?.versionId) qualifiers.distro = `${os.id}-${os.versionId}`;
      const epoch = pkg.metadata?.epoch;
      if (epoch !== undefined) {
        qualifiers.epoch = epoch;
        version = version.replace(/^\d+:/, "");
      }
      break;
    }
    default:
      break;
  }
  const hasQualifiers = Object.keys(qualifiers).length > 0;
  return new PackageURL(
    pkg.type,
    namespace,
    pkg.name,
    version,
    hasQualifiers ? qualifiers : undefined,
    undefined,
  ).toString();
}
