import { PackageURL } from "packageurl-js";
import type { OsInfo } from "../model/os-info.js";
import type { ExtractedPackage } from "../model/package.js";
import { wellFormedText } from "./well-formed-text.js";

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
  let type: string = pkg.type;
  let name = pkg.name;
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
    case "maven": {
      // Maven packages are named `groupId:artifactId` (the OSV Maven name); the purl puts the
      // group in the namespace: pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1. The maven
      // type requires a namespace, so a package whose group is unknown (read from a jar's file
      // name or manifest) becomes pkg:generic/<artifactId>@<version> rather than an invalid
      // purl or one with a guessed group.
      const colon = name.indexOf(":");
      if (colon > 0) {
        namespace = name.slice(0, colon);
        name = name.slice(colon + 1);
      } else type = "generic";
      break;
    }
    case "pypi":
      // The purl spec's pypi rule (lowercase, `_` → `-`; packageurl-js applies it) on the name
      // the metadata spelled: `pkg.name` is PEP 503-normalized, which would also turn `.` into `-`.
      name = pkg.metadata?.displayName ?? pkg.name;
      break;
    case "composer": {
      // `vendor/package`: the vendor is the purl namespace.
      const slash = pkg.name.indexOf("/");
      if (slash > 0) {
        namespace = pkg.name.slice(0, slash);
        name = pkg.name.slice(slash + 1);
      }
      break;
    }
    case "npm": {
      // A scope is the purl namespace: `@babel/core` is `pkg:npm/%40babel/core@7.0.0`
      // (PURL-TYPES.rst, npm), not one name with an encoded slash.
      const slash = name.startsWith("@") ? name.indexOf("/") : -1;
      if (slash > 1) {
        namespace = name.slice(0, slash);
        name = name.slice(slash + 1);
      }
      break;
    }
    case "golang": {
      // A module path's last element is the name, the rest the namespace:
      // `pkg:golang/github.com/gorilla/mux@1.8.0` (PURL-TYPES.rst, golang), not one encoded name.
      const slash = name.lastIndexOf("/");
      if (slash > 0) {
        namespace = name.slice(0, slash);
        name = name.slice(slash + 1);
      }
      break;
    }
    default:
      break;
  }
  const hasQualifiers = Object.keys(qualifiers).length > 0;
  const safe = (text: string | undefined) => (text === undefined ? undefined : wellFormedText(text));
  return new PackageURL(
    type,
    safe(namespace),
    wellFormedText(name),
    safe(version),
    hasQualifiers
      ? Object.fromEntries(Object.entries(qualifiers).map(([key, value]) => [key, wellFormedText(value)]))
      : undefined,
    undefined,
  ).toString();
}
