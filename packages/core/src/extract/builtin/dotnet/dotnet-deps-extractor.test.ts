import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ExtractorResult } from "../../extractor.js";
import { createDotnetDepsExtractor } from "./dotnet-deps-extractor.js";

const testdata = join(import.meta.dirname, "testdata");
const extractor = createDotnetDepsExtractor();

async function run(file: string): Promise<ExtractorResult> {
  const content = readFileSync(join(testdata, file));
  return extractor.extract({
    path: "/app/App.deps.json",
    content,
    info: { size: content.length, mode: 0o644 },
  });
}
const brief = (r: ExtractorResult) => r.packages.map((p) => `${p.name}@${p.version}`);

describe("language/dotnet-deps", () => {
  it("wants *.deps.json files", () => {
    const info = { size: 1, mode: 0o644 };
    expect(extractor.required("/app/MyApp.deps.json", info)).toBe(true);
    expect(extractor.required("/app/MyApp.runtimeconfig.json", info)).toBe(false);
    expect(extractor.required("/app/.deps.json", info)).toBe(false);
  });

  it("reports packages and skips projects (Trivy's happy and multi-project cases)", async () => {
    expect(await run("trivy/happy.deps.json")).toEqual({
      packages: [{ type: "nuget", name: "Newtonsoft.Json", version: "13.0.1" }],
      issues: [],
    });
    expect(brief(await run("trivy/multi-project.deps.json"))).toEqual(["Newtonsoft.Json@13.0.3"]);
    expect(brief(await run("trivy/ambiguous-root.deps.json"))).toEqual(["Newtonsoft.Json@13.0.3"]);
  });

  it("skips packages without runtime assets in the runtime target, keeps all when the target is missing", async () => {
    // Libuv ships only runtimeTargets (native per RID); the rest are meta-packages, framework
    // references or absent from the target.
    expect(brief(await run("trivy/without-runtime.deps.json"))).toEqual([
      "JsonDiffPatch@2.0.61",
      "Libuv@1.9.1",
    ]);
    expect(brief(await run("trivy/missing-target.deps.json"))).toEqual(["Newtonsoft.Json@13.0.1"]);
    expect(brief(await run("trivy/datacollector.deps.json"))).toEqual(["Newtonsoft.Json@9.0.1"]);
    expect(await run("trivy/no-libraries.deps.json")).toEqual({
      packages: [],
      issues: [expect.objectContaining({ code: "dotnet-deps-no-libraries", severity: "warning" })],
    });
  });

  it("reports a self-contained app's runtime packs under their NuGet names", async () => {
    const result = await run("trivy/self-contained.deps.json");
    expect(result.packages).toEqual([
      { type: "nuget", name: "Newtonsoft.Json", version: "13.0.1" },
      {
        type: "nuget",
        name: "Microsoft.NETCore.App.Runtime.linux-x64",
        version: "8.0.0",
        metadata: { libraryType: "runtimepack" },
      },
      {
        type: "nuget",
        name: "Microsoft.AspNetCore.App.Runtime.linux-x64",
        version: "8.0.0",
        metadata: { libraryType: "runtimepack" },
      },
    ]);
  });

  it("skips reference assemblies (syft) and reads the full syft example", async () => {
    expect(brief(await run("syft/MyApp.deps.json"))).toEqual(["Newtonsoft.Json@13.0.3"]);
    const example = await run("syft/TestLibrary.deps.json");
    // syft lists 12 packages; System.Diagnostics.DiagnosticSource and
    // System.Runtime.CompilerServices.Unsafe have no runtime assets on net6.0 (the framework has them).
    expect(brief(example)).toEqual([
      "AWSSDK.Core@3.7.10.6",
      "Microsoft.Extensions.DependencyInjection@6.0.0",
      "Microsoft.Extensions.DependencyInjection.Abstractions@6.0.0",
      "Microsoft.Extensions.Logging@6.0.0",
      "Microsoft.Extensions.Logging.Abstractions@6.0.0",
      "Microsoft.Extensions.Options@6.0.0",
      "Microsoft.Extensions.Primitives@6.0.0",
      "Newtonsoft.Json@13.0.1",
      "Serilog@2.10.0",
      "Serilog.Sinks.Console@4.0.1",
    ]);
  });

  it("turns OSV-SCALIBR's bad cases into located issues", async () => {
    expect(brief(await run("scalibr/valid"))).toEqual([
      "AWSSDK.Core@3.7.10.6",
      "Microsoft.Extensions.DependencyInjection@6.0.0",
    ]);
    const noName = await run("scalibr/nopackagename");
    expect(brief(noName)).toEqual(["AWSSDK.Core@3.7.10.6"]);
    expect(noName.issues).toEqual([
      expect.objectContaining({
        code: "dotnet-deps-bad-key",
        record: "Microsoft.Extensions.DependencyInjection",
      }),
    ]);
    expect((await run("scalibr/invalid")).issues.map((i) => i.code)).toEqual(["dotnet-deps-invalid-json"]);
    expect((await run("scalibr/empty")).issues.map((i) => i.code)).toEqual(["dotnet-deps-no-libraries"]);
    expect((await run("trivy/invalid.deps.json")).issues.map((i) => i.code)).toEqual([
      "dotnet-deps-invalid-json",
    ]);
  });
});
