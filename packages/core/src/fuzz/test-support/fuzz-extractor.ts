import fc from "fast-check";
import type { Extractor, ExtractorResult } from "../../extract/extractor.js";
import { createBufferFileReader } from "../../extract/file-reader.js";
import type { Corpus, FuzzPlan } from "./corpus.js";
import { fuzz } from "./fuzz-property.js";

/** Options of {@link fuzzExtractor}. */
export interface FuzzExtractorOptions {
  readonly extractor: Extractor;
  /** Image paths the extractor wants, to hand each input under (some formats depend on it). */
  readonly paths: readonly string[];
  readonly corpus: Corpus;
  /** Also make structured edits of the JSON fixtures. */
  readonly json?: boolean;
  readonly runsScale?: number;
  /** Told apart in the summary when one extractor is fuzzed per format (`sqlite`, `bdb`). */
  readonly format?: string;
}

/**
 * Fuzz one extractor through its plugin entry point, `extract`, as the host calls it. The
 * extractor contract (extract/extractor.ts) is stricter than a typed error: an extractor never
 * throws on bad content, it returns issues and every good package. So any exception fails,
 * and every issue must say what (a code and a message).
 */
export function fuzzExtractor(options: FuzzExtractorOptions): void {
  const { extractor, paths, corpus } = options;
  for (const path of paths) {
    if (!extractor.required(path, { size: 1024, mode: 0o755 })) {
      throw new Error(`${extractor.name} does not want ${path}: the fuzz input would never reach it`);
    }
  }
  fuzz<{ plan: FuzzPlan; path: string }>({
    parser: `extract ${extractor.name}${options.format ? ` (${options.format})` : ""}`,
    inputs: fc.record({
      plan: corpus.plans(options.json ? { json: true } : {}),
      path: fc.constantFrom(...paths),
    }),
    run: async ({ plan, path }) => checkResult(await runExtractor(extractor, path, corpus.apply(plan))),
    ...(options.runsScale !== undefined ? { runsScale: options.runsScale } : {}),
  });
}

/** One file through an extractor of either kind, as the host hands it over. */
export async function runExtractor(
  extractor: Extractor,
  path: string,
  content: Buffer,
): Promise<ExtractorResult> {
  const info = { size: content.length, mode: 0o755 };
  if (extractor.reads === "ranges") {
    return extractor.extract({ path, info, reader: createBufferFileReader(content) });
  }
  return extractor.extract({ path, info, content });
}

/**
 * Well formed: packages named and versioned, issues with a code, a severity and a message.
 * Plain checks rather than `expect`, which costs too much per item for results of many issues.
 */
export function checkResult(result: ExtractorResult): void {
  for (const pkg of result.packages) {
    if (typeof pkg.name !== "string" || typeof pkg.version !== "string") {
      throw new Error(`a package without a string name and version: ${JSON.stringify(pkg)}`);
    }
  }
  for (const issue of result.issues) {
    if (!ISSUE_CODE.test(issue.code) || !SEVERITIES.has(issue.severity) || issue.message === "") {
      throw new Error(`an issue that does not say what: ${JSON.stringify(issue)}`);
    }
  }
}

const ISSUE_CODE = /^[a-z0-9][a-z0-9-]*$/;
const SEVERITIES = new Set(["error", "warning", "info"]);
