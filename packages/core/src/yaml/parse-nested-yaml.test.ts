import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { createPnpmLockExtractor, createYarnLockExtractor } from "../extract/builtin/npm/index.js";
import { runExtractor } from "../fuzz/test-support/fuzz-extractor.js";
import { parseIgnoreFile } from "../suppress/parse-ignore-file.js";
import { MAX_YAML_LINE_INDENT, parseNestedYaml, YAML_TOO_DEEP } from "./parse-nested-yaml.js";

/** Block sequences nested `depth` deep on one line, around a mapping (npm run fuzz, seed 1151411726). */
const deepSequences = (depth: number) => `lockfileVersion: '9.0'\n${"- ".repeat(depth)}a: b\nc: d\n`;

describe("parseNestedYaml", () => {
  it("parses ordinary text, nested as deep as real files go", () => {
    const parsed = parseNestedYaml(`${"- ".repeat(20)}a: b\n`, (text) => parseDocument(text));
    expect("value" in parsed && parsed.value.errors).toEqual([]);
  });

  it("never hands the parser a line nested past the limit, and says which line", () => {
    let called = false;
    const parsed = parseNestedYaml(deepSequences(MAX_YAML_LINE_INDENT), (text) => {
      called = true;
      return parseDocument(text);
    });
    expect(parsed).toEqual({ tooDeep: true, line: 2 });
    expect(called).toBe(false);
    // indentation counts as well as dashes
    expect(parseNestedYaml(`a:\n${" ".repeat(MAX_YAML_LINE_INDENT + 1)}b: c\n`, parseDocument)).toEqual({
      tooDeep: true,
      line: 2,
    });
  });

  it("turns a stack overflow the check does not foresee into tooDeep, and rethrows anything else", () => {
    const overflow = () => {
      const recurse = (n: number): number => recurse(n + 1) + 1;
      return recurse(0);
    };
    expect(parseNestedYaml("a: b", overflow)).toEqual({ tooDeep: true });
    expect(() =>
      parseNestedYaml("a: b", () => {
        throw new TypeError("not ours");
      }),
    ).toThrow(TypeError);
  });

  it("guards against what the yaml parser really does with such text: a stack overflow, or the process killed", () => {
    // in a child process: the overflow may end in V8's fatal "RegExpCompiler Allocation failed"
    const child = spawnSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `import { parseAllDocuments } from "yaml"; parseAllDocuments(${JSON.stringify(deepSequences(3000))});`,
      ],
      { cwd: import.meta.dirname, encoding: "utf8" },
    );
    expect(child.status).not.toBe(0);
    expect(child.stderr).toMatch(/Maximum call stack size exceeded|RegExpCompiler Allocation failed/);
  });
});

describe("the YAML readers refuse text nested too deep, with a located issue", () => {
  it("pnpm-lock.yaml", async () => {
    const result = await runExtractor(
      createPnpmLockExtractor(),
      "/app/pnpm-lock.yaml",
      Buffer.from(deepSequences(3000)),
    );
    expect(result.issues).toEqual([
      expect.objectContaining({ code: "pnpm-lock-invalid", message: `pnpm-lock.yaml ${YAML_TOO_DEEP}` }),
    ]);
  });

  it("yarn.lock (berry)", async () => {
    const text = `__metadata:\n  version: 6\n${deepSequences(3000)}`;
    const result = await runExtractor(createYarnLockExtractor(), "/app/yarn.lock", Buffer.from(text));
    expect(result.issues.map((i) => [i.code, i.message])).toEqual([
      ["yarn-lock-invalid", `yarn.lock (berry) ${YAML_TOO_DEEP}`],
    ]);
  });

  it("the ignore file", () => {
    const { rules, problems } = parseIgnoreFile(deepSequences(3000), ".vigilignore.yaml");
    expect(rules).toEqual([]);
    expect(problems).toEqual([
      expect.objectContaining({
        code: "ignore-file-yaml-syntax",
        location: { file: ".vigilignore.yaml", line: 2, column: 1 },
      }),
    ]);
  });
});
