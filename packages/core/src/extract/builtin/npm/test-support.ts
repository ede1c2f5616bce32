import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ExtractorResult, WholeFileExtractor } from "../../extractor.js";

/** This folder's testdata. */
export const testdata = join(import.meta.dirname, "testdata");

/** Run `extractor` on a testdata file (or on `text`) as if it were at `path` in an image. */
export async function runOn(
  extractor: WholeFileExtractor,
  path: string,
  file: string | { text: string },
): Promise<ExtractorResult> {
  const content = typeof file === "string" ? readFileSync(join(testdata, file)) : Buffer.from(file.text);
  return extractor.extract({ path, content, info: { size: content.length, mode: 0o644 } });
}

/** `name@version` of each package, sorted, for compact comparisons. */
export function ids(result: ExtractorResult): string[] {
  return result.packages.map((p) => `${p.name}@${p.version}`).sort();
}
