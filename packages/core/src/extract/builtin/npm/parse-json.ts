import type { ExtractorIssue } from "../../extractor.js";

/** The outcome of {@link parseJsonFile}: the value, or the issue that says why there is none. */
export type ParsedJson =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly issue: ExtractorIssue };

/**
 * `JSON.parse` that turns a syntax error into a located issue. V8's messages give the
 * character offset (`... in JSON at position 123`, Node 20) which becomes the 1-based
 * line; "Unexpected end of JSON input" points at the last line.
 */
export function parseJsonFile(text: string, code: string): ParsedJson {
  // A UTF-8 byte order mark is legal in a file but not in JSON.parse's input.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message);
    const offset = position ? Number(position[1]) : /end of JSON/i.test(message) ? body.length : undefined;
    return {
      ok: false,
      issue: {
        severity: "error",
        code,
        message: `not valid JSON: ${message}`,
        ...(offset !== undefined ? { line: lineAt(body, offset) } : {}),
      },
    };
  }
}

/** 1-based line of character `offset` in `text`. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  const end = Math.min(offset, text.length);
  for (let i = text.indexOf("\n"); i !== -1 && i < end; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

/** 1-based line of the first `"key":` in `text` at or after `from`, if it is there. */
export function lineOfKey(text: string, key: string, from = 0): number | undefined {
  const at = text.indexOf(`${JSON.stringify(key)}:`, from);
  const spaced = at === -1 ? text.indexOf(`${JSON.stringify(key)} :`, from) : at;
  return spaced === -1 ? undefined : lineAt(text, spaced);
}
