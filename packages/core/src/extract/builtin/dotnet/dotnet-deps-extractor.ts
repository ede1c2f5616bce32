import type { ExtractedPackage } from "../../../model/package.js";
import type { ExtractorInput, ExtractorIssue, ExtractorResult, WholeFileExtractor } from "../../extractor.js";
import { parseJsonContent } from "../composer/parse-json-content.js";

/**
 * NuGet packages of a .NET application, from the `<app>.deps.json` the SDK writes next to it
 * (https://github.com/dotnet/sdk/blob/main/documentation/specs/runtime-configuration-file.md).
 *
 * - `libraries` entries of type `package` are NuGet packages (`Name/1.2.3` keys); `project`
 *   entries are the application's own assemblies and `referenceassembly` entries come with the
 *   framework, so both are skipped.
 * - `runtimepack` entries are the .NET runtime bundled into a self-contained app
 *   (`runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/8.0.0`); GitHub advisories name those
 *   runtime packages, so they are reported under their NuGet name, without the prefix.
 * - As Trivy does (aquasecurity/trivy#7039), a package that the runtime target lists with no
 *   `runtime`, `runtimeTargets` or `native` assets is skipped: it put no code in the image
 *   (a framework-provided assembly, a meta-package, an analyzer). When the runtime target is
 *   missing every package is kept, since nothing says which ones are deployed.
 */
export function createDotnetDepsExtractor(): WholeFileExtractor {
  return {
    name: "language/dotnet-deps",
    version: 1,
    maxFileSize: 64 * 1024 * 1024,
    required: (path) => path.endsWith(".deps.json") && !path.endsWith("/.deps.json"),
    extract: extractDeps,
  };
}

const RUNTIME_PACK = "runtimepack.";

function extractDeps({ content }: ExtractorInput): ExtractorResult {
  const parsed = parseJsonContent(content, "dotnet-deps-invalid-json");
  if (!parsed.ok) return { packages: [], issues: [parsed.issue] };
  const root = parsed.value;
  if (!isObject(root) || !isObject(root.libraries)) {
    return {
      packages: [],
      // The SDK always writes `libraries`; without it nothing says which packages are present.
      issues: [{ severity: "warning", code: "dotnet-deps-no-libraries", message: "no `libraries` object" }],
    };
  }
  const runtimeTarget = runtimeTargetLibraries(root);
  const issues: ExtractorIssue[] = [];
  const packages: ExtractedPackage[] = [];
  for (const [key, library] of Object.entries(root.libraries)) {
    const type =
      isObject(library) && typeof library.type === "string" ? library.type.toLowerCase() : undefined;
    if (type !== "package" && type !== "runtimepack") continue;
    const slash = key.lastIndexOf("/");
    const name = key.slice(0, slash).trim();
    const version = key.slice(slash + 1).trim();
    if (slash <= 0 || name === "" || version === "") {
      issues.push({
        severity: "error",
        code: "dotnet-deps-bad-key",
        message: `library "${key}" is not "Name/version"`,
        record: key,
      });
      continue;
    }
    if (type === "package" && runtimeTarget && !hasRuntimeAssets(runtimeTarget[key])) continue;
    const nugetName =
      type === "runtimepack" && name.startsWith(RUNTIME_PACK) ? name.slice(RUNTIME_PACK.length) : name;
    packages.push({
      type: "nuget",
      name: nugetName,
      version,
      ...(type === "runtimepack" ? { metadata: { libraryType: "runtimepack" } } : {}),
    });
  }
  return { packages, issues };
}

/** The `targets` entry the runtime loads (`runtimeTarget.name`), if the file has one. */
function runtimeTargetLibraries(root: Record<string, unknown>): Record<string, unknown> | undefined {
  const name = isObject(root.runtimeTarget) ? root.runtimeTarget.name : undefined;
  if (typeof name !== "string" || !isObject(root.targets)) return undefined;
  const target = root.targets[name];
  return isObject(target) ? target : undefined;
}

function hasRuntimeAssets(entry: unknown): boolean {
  if (!isObject(entry)) return false;
  return ["runtime", "runtimeTargets", "native"].some(
    (k) => isObject(entry[k]) && Object.keys(entry[k]).length > 0,
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
