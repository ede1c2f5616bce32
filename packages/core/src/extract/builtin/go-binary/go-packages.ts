import type { ExtractedPackage } from "../../../model/package.js";
import type { ExtractorIssue } from "../../extractor.js";
import { goToolchainVersion, isDevelToolchain, osvGoVersion } from "./go-version.js";
import type { GoModInfo, GoModule } from "./parse-modinfo.js";

/** The version Go records for a main module built from a working tree rather than fetched at a version. */
const DEVEL = "(devel)";

/**
 * The packages a Go binary's build info names, in the OSV Go ecosystem (purl type `golang`):
 *
 * - The toolchain, as the package `stdlib` (how the Go vulnerability database names the
 *   standard library), at {@link goToolchainVersion}. A development toolchain has no
 *   release version to compare: an info issue says the standard library is not listed.
 * - The main module only when it has a version: `(devel)` (built inside its own working
 *   tree, the usual `go build`) names no release that an advisory could cover. From Go 1.24
 *   the go command stamps a version derived from the VCS tag, and `go install m@v` records
 *   `v`; those are kept, marked `mainModule`.
 * - Every `dep` line. A dependency replaced by another module (`replace a v1 => b v2`) is
 *   reported as what was linked, `b` at `v2`, with `replacedFrom: a@v1`. A dependency replaced
 *   by a directory (`replace a => ./a`) has no version of its own: its code is a local copy,
 *   typically a module of the same repository (Kubernetes' staging modules are required at
 *   the placeholder `v0.0.0`), so reporting `a` at the required version would match every
 *   advisory of `a` against code that is really the main build's; it is left out, with an
 *   info issue naming it.
 *
 * Versions lose their `v` (see {@link osvGoVersion}).
 */
export function goPackages(
  goVersion: string,
  modInfo: GoModInfo | undefined,
): { packages: ExtractedPackage[]; issues: ExtractorIssue[] } {
  const packages: ExtractedPackage[] = [];
  const issues: ExtractorIssue[] = [];
  const stdlib = goToolchainVersion(goVersion);
  if (stdlib) {
    packages.push({ type: "golang", name: "stdlib", version: stdlib, metadata: { goToolchain: goVersion } });
  } else {
    issues.push(
      isDevelToolchain(goVersion)
        ? {
            severity: "info",
            code: "go-buildinfo-devel-toolchain",
            message: `built by a development Go toolchain (${goVersion}): its standard library has no release version and is not listed`,
          }
        : {
            severity: "warning",
            code: "go-buildinfo-unknown-toolchain",
            message: `the Go toolchain version ${JSON.stringify(goVersion)} is not a Go release tag; the standard library is not listed`,
          },
    );
  }
  if (!modInfo) return { packages, issues };

  const main = modInfo.main;
  if (main && main.version !== DEVEL && main.version !== "") {
    packages.push({
      type: "golang",
      name: main.path,
      version: osvGoVersion(main.version),
      metadata: { mainModule: "true" },
    });
  }
  for (const dep of modInfo.deps) {
    const linked = linkedModule(dep, issues);
    if (linked) packages.push(linked);
  }
  return { packages, issues };
}

function linkedModule(dep: GoModule, issues: ExtractorIssue[]): ExtractedPackage | undefined {
  const replace = dep.replace;
  if (replace && isDirectoryPath(replace.path)) {
    issues.push({
      severity: "info",
      code: "go-buildinfo-directory-replacement",
      message: `${dep.path} ${dep.version} is replaced by the directory ${replace.path}, which has no module version; not listed`,
      record: dep.path,
    });
    return undefined;
  }
  const module = replace ?? dep;
  if (module.version === "" || module.version === DEVEL) {
    issues.push({
      severity: "warning",
      code: "go-buildinfo-module-without-version",
      message: `module ${module.path} has no version in the build info; not listed`,
      record: dep.path,
    });
    return undefined;
  }
  return {
    type: "golang",
    name: module.path,
    version: osvGoVersion(module.version),
    ...(replace ? { metadata: { replacedFrom: `${dep.path}@${dep.version}` } } : {}),
  };
}

/**
 * Whether the right side of a `replace` directive is a directory rather than a module path:
 * the go command's rule (golang.org/x/mod/modfile IsDirectoryPath) is a relative path starting
 * with `./` or `../` or an absolute path, Unix or Windows.
 */
function isDirectoryPath(path: string): boolean {
  return (
    path.startsWith("./") ||
    path.startsWith("../") ||
    path.startsWith("/") ||
    path.startsWith(".\\") ||
    path.startsWith("..\\") ||
    path.startsWith("\\") ||
    /^[A-Za-z]:[\\/]/.test(path) ||
    path === "." ||
    path === ".."
  );
}
