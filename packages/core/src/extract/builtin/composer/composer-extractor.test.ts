import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ExtractorResult } from "../../extractor.js";
import { createComposerExtractor } from "./composer-extractor.js";

const testdata = join(import.meta.dirname, "testdata");
const extractor = createComposerExtractor();
const PATH = "/var/www/vendor/composer/installed.json";

async function run(content: Buffer | string): Promise<ExtractorResult> {
  const buffer = Buffer.from(content);
  return extractor.extract({ path: PATH, content: buffer, info: { size: buffer.length, mode: 0o644 } });
}
const file = (name: string) => readFileSync(join(testdata, name));
const brief = (r: ExtractorResult) => r.packages.map((p) => `${p.name}@${p.version}`);

describe("language/composer", () => {
  it("wants composer/installed.json under any vendor directory", () => {
    const info = { size: 1, mode: 0o644 };
    expect(extractor.required(PATH, info)).toBe(true);
    expect(extractor.required("/app/lib/composer/installed.json", info)).toBe(true);
    expect(extractor.required("/app/composer.lock", info)).toBe(false);
    expect(extractor.required("/app/vendor/composer/installed.php", info)).toBe(false);
  });

  it("reads Composer 2 (Trivy's happy case), keeping versions as written", async () => {
    const result = await run(file("trivy-happy/installed.json"));
    expect(result.issues).toEqual([]);
    expect(result.packages).toEqual([
      {
        type: "composer",
        name: "pear/log",
        version: "1.13.3",
        metadata: { versionNormalized: "1.13.3.0", license: "MIT" },
      },
      {
        type: "composer",
        name: "pear/pear_exception",
        version: "v1.0.2",
        metadata: { versionNormalized: "1.0.2.0", license: "BSD-2-Clause" },
      },
    ]);
  });

  it("reads Composer 1 (array) and Composer 2 (object) alike, marking dev packages", async () => {
    const v1 = await run(file("syft-composer_1/installed.json"));
    const v2 = await run(file("syft-composer_2/installed.json"));
    expect(brief(v1)).toEqual(["asm89/stack-cors@1.3.0", "behat/mink@v1.8.1"]);
    expect(brief(v2)).toEqual(brief(v1));
    expect(v2.packages.find((p) => p.name === "behat/mink")?.metadata?.dev).toBe("true");
    expect(v1.packages.every((p) => p.metadata?.dev === undefined)).toBe(true);
  });

  it("turns bad content into located issues and keeps the good entries", async () => {
    const broken = await run('{"packages": [\n{"name": "a/b",\n"version": }]}');
    expect(broken.packages).toEqual([]);
    expect(broken.issues).toEqual([
      expect.objectContaining({ code: "composer-invalid-json", severity: "error" }),
    ]);
    expect((await run('{"name": "x"}')).issues.map((i) => i.code)).toEqual(["composer-unknown-shape"]);
    const mixed = await run(
      JSON.stringify({
        packages: [1, { name: "nope" }, { name: "a/b" }, { name: "Acme/Tool", version: "v2.0.0" }],
      }),
    );
    expect(brief(mixed)).toEqual(["acme/tool@v2.0.0"]);
    expect(mixed.issues.map((i) => [i.code, i.record])).toEqual([
      ["composer-bad-entry", "packages[0]"],
      ["composer-bad-name", "packages[1]"],
      ["composer-missing-version", "a/b"],
    ]);
  });

  it("survives every truncation without throwing", async () => {
    const content = file("syft-composer_2/installed.json");
    for (let cut = 0; cut < content.length; cut += 97) {
      const result = await run(content.subarray(0, cut));
      expect(result.issues.length).toBe(1);
    }
  });
});
