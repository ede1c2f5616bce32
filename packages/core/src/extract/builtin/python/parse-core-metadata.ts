import type { ExtractorIssue } from "../../extractor.js";

/** The header block of a Python core-metadata file, keys lowercased, first value kept. */
export interface CoreMetadataHeaders {
  /** Header name (lowercased) → first value, continuation lines joined with `\n`. */
  readonly fields: ReadonlyMap<string, string>;
  /** 1-based line where each kept header starts. */
  readonly lines: ReadonlyMap<string, number>;
  readonly issues: readonly ExtractorIssue[];
}

/** Headers that must appear once; a repeat is reported because the first one wins. */
const SINGLE = new Set(["name", "version"]);

/**
 * Read the RFC 822-style header block of `METADATA` / `PKG-INFO`
 * (https://packaging.python.org/en/latest/specifications/core-metadata/). The block ends at
 * the first blank line; what follows is the description and is never read. Lines that start
 * with white space continue the previous header. A line that is not a header ends the block,
 * as Python's `email` parser does, and is reported.
 */
export function parseCoreMetadata(text: string): CoreMetadataHeaders {
  const fields = new Map<string, string>();
  const lines = new Map<string, number>();
  const issues: ExtractorIssue[] = [];
  let current: string | undefined;
  let currentSkipped = false;
  // `\r\n`, `\n` and a bare `\r` all end a line, as in Python's universal newlines.
  const all = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < all.length; i++) {
    const line = all[i]!;
    const lineNo = i + 1;
    // Only a truly empty line ends the block: a line of spaces continues the previous header,
    // as in Python's email parser, which is what pip and importlib.metadata read these with.
    if (line === "") break;
    if (line[0] === " " || line[0] === "\t") {
      if (current === undefined) {
        issues.push({
          severity: "warning",
          code: "python-metadata-stray-continuation",
          message: "continuation line before any header",
          line: lineNo,
        });
        continue;
      }
      if (!currentSkipped) fields.set(current, `${fields.get(current)}\n${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0 || /\s/.test(line.slice(0, colon))) {
      issues.push({
        severity: "warning",
        code: "python-metadata-bad-header",
        message: `line is not a "Name: value" header; the header block ends here`,
        line: lineNo,
      });
      break;
    }
    const key = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    current = key;
    currentSkipped = fields.has(key);
    if (currentSkipped) {
      if (SINGLE.has(key) && fields.get(key) !== value) {
        issues.push({
          severity: "warning",
          code: "python-metadata-repeated-header",
          message: `${line.slice(0, colon)} appears again with "${value}"; the first value "${fields.get(key)}" is kept`,
          line: lineNo,
        });
      }
      continue;
    }
    fields.set(key, value);
    lines.set(key, lineNo);
  }
  return { fields, lines, issues };
}
