import { PackageURL } from "packageurl-js";
import { packageUrl } from "../../inventory/package-url.js";
import { wellFormedText } from "../../inventory/well-formed-text.js";
import type { OsInfo } from "../../model/os-info.js";
import { PACKAGE_TYPES, type Package, type PackageLocation, type PackageType } from "../../model/package.js";
import { TRIVY_OPERATOR_SOURCE, type TrivyPackageTypeEvidence } from "./trivy-report.js";

/**
 * `package.type` when the report gives no clue at all (Starboard's reports have no `os`,
 * `class` or `packageType`). {@link PackageType} has no "unknown", and a match needs a type, so
 * this placeholder stands in; `trivy.packageTypeEvidence: "placeholder"` marks it and the purl
 * is `pkg:generic/…`. Vigil does not match imported packages again, so the placeholder only
 * shows in identity keys, never in a comparison.
 */
export const TRIVY_PLACEHOLDER_PACKAGE_TYPE: PackageType = "deb";

/**
 * Where an imported package was found. Trivy's reports do not say which layer, so the digest is
 * empty and the index -1 (writers leave both out); `path` is `packagePath` made absolute, or
 * empty when Trivy gave none.
 */
export function trivyPackageLocation(packagePath: string | undefined): PackageLocation {
  const path = packagePath ? (packagePath.startsWith("/") ? packagePath : `/${packagePath}`) : "";
  return { layerDigest: "", layerIndex: -1, path };
}

/** Trivy's OS families (`os.family`, and `packageType` of OS packages) → the package type they install. */
const OS_FAMILY_TYPES: Readonly<Record<string, PackageType>> = {
  alpine: "apk",
  wolfi: "apk",
  chainguard: "apk",
  debian: "deb",
  ubuntu: "deb",
  alma: "rpm",
  amazon: "rpm",
  azurelinux: "rpm",
  "cbl-mariner": "rpm",
  centos: "rpm",
  fedora: "rpm",
  opensuse: "rpm",
  "opensuse-leap": "rpm",
  "opensuse.leap": "rpm",
  "opensuse-tumbleweed": "rpm",
  "opensuse.tumbleweed": "rpm",
  oracle: "rpm",
  photon: "rpm",
  redhat: "rpm",
  rocky: "rpm",
  sles: "rpm",
  slem: "rpm",
};

/**
 * Trivy's language `packageType`s (its analyzer types, `pkg/fanal/types/const.go`) → purl type.
 * Types with no Vigil equivalent (conan, cocoapods, swift, pub, hex, conda ...) are absent.
 */
const LANGUAGE_TYPES: Readonly<Record<string, PackageType>> = {
  bundler: "gem",
  gemspec: "gem",
  cargo: "cargo",
  "rust-binary": "cargo",
  composer: "composer",
  "composer-vendor": "composer",
  npm: "npm",
  yarn: "npm",
  pnpm: "npm",
  bun: "npm",
  "node-pkg": "npm",
  pip: "pypi",
  pipenv: "pypi",
  poetry: "pypi",
  uv: "pypi",
  "python-pkg": "pypi",
  jar: "maven",
  pom: "maven",
  gradle: "maven",
  sbt: "maven",
  gobinary: "golang",
  gomod: "golang",
  nuget: "nuget",
  "dotnet-core": "nuget",
  "packages-props": "nuget",
};

const KNOWN_PACKAGE_TYPES: ReadonlySet<string> = new Set<string>(PACKAGE_TYPES);

/** `host.tld/path`: how Trivy names Go modules (and nothing else it reports). */
const GO_MODULE_PATH = /^[a-z0-9-]+(?:\.[a-z0-9-]+)+\/\S+$/i;
/** A target that is the image itself (`library/nginx:1.21.6`), not a file inside it. */
const IMAGE_TARGET = /:[\w][\w.-]*$/;
/** Trivy's OS target: `<image> (<family> <version>)`. */
const OS_TARGET = /\(([a-z][a-z0-9.-]*) [^()]*\)$/i;

/** What Trivy said about one vulnerable package. */
export interface TrivyPackageFacts {
  readonly name: string;
  readonly version: string;
  readonly purl?: string;
  readonly packageType?: string;
  readonly class?: string;
  readonly target?: string;
  readonly packagePath?: string;
}

/**
 * The package type of an imported vulnerability, from the strongest clue the report gives
 * (the order of {@link TrivyPackageTypeEvidence}). Only an explicit clue or the shape of the
 * name decides; without one the type is {@link TRIVY_PLACEHOLDER_PACKAGE_TYPE}.
 */
export function trivyPackageType(
  facts: TrivyPackageFacts,
  os: OsInfo | undefined,
): { readonly type: PackageType; readonly evidence: TrivyPackageTypeEvidence } {
  const purlType = facts.purl ? /^pkg:([a-z0-9.+-]+)\//i.exec(facts.purl)?.[1]?.toLowerCase() : undefined;
  if (purlType && KNOWN_PACKAGE_TYPES.has(purlType))
    return { type: purlType as PackageType, evidence: "purl" };
  const declared = facts.packageType?.toLowerCase();
  const declaredType = declared ? (OS_FAMILY_TYPES[declared] ?? LANGUAGE_TYPES[declared]) : undefined;
  if (declaredType) return { type: declaredType, evidence: "package-type" };
  const osType = os ? OS_FAMILY_TYPES[os.id] : undefined;
  if (osType && facts.class === "os-pkgs") return { type: osType, evidence: "class" };
  const targetFamily = facts.target ? OS_TARGET.exec(facts.target)?.[1]?.toLowerCase() : undefined;
  if (osType && targetFamily === os?.id) return { type: osType, evidence: "target" };
  if (GO_MODULE_PATH.test(facts.name)) return { type: "golang", evidence: "go-module-name" };
  if (
    osType &&
    facts.class === undefined &&
    !facts.packagePath &&
    (!facts.target || IMAGE_TARGET.test(facts.target))
  )
    return { type: osType, evidence: "os-family" };
  return { type: TRIVY_PLACEHOLDER_PACKAGE_TYPE, evidence: "placeholder" };
}

/**
 * The {@link Package} of an imported vulnerability. `purl` is Trivy's `packagePURL` when it
 * wrote one, else built from the decided type as Vigil builds its own (no `arch`: Trivy's
 * report does not give it), or `pkg:generic/<name>@<version>` for a placeholder type.
 */
export function trivyPackage(
  facts: TrivyPackageFacts,
  os: OsInfo | undefined,
): {
  readonly pkg: Package;
  readonly evidence: TrivyPackageTypeEvidence;
} {
  const { type, evidence } = trivyPackageType(facts, os);
  const purl =
    facts.purl ??
    (evidence === "placeholder"
      ? undefined
      : safePurl(() => packageUrl({ type, name: facts.name, version: facts.version }, os))) ??
    genericPurl(facts.name, facts.version);
  return {
    pkg: {
      type,
      name: facts.name,
      version: facts.version,
      purl,
      foundBy: TRIVY_OPERATOR_SOURCE,
      location: trivyPackageLocation(facts.packagePath),
    },
    evidence,
  };
}

function genericPurl(name: string, version: string): string {
  return new PackageURL(
    "generic",
    undefined,
    wellFormedText(name),
    version ? wellFormedText(version) : undefined,
    undefined,
    undefined,
  ).toString();
}

/** packageurl-js throws on names its type rules reject; a generic purl is better than no report. */
function safePurl(build: () => string): string | undefined {
  try {
    return build();
  } catch {
    return undefined;
  }
}
