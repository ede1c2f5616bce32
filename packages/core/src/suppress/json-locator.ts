import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";

/** Finds the line and column of a value in a JSON text by its RFC 6901 pointer. */
export type JsonLocator = (pointer: string) => { readonly line: number; readonly column: number } | undefined;

/**
 * Parse `text` as JSON for its values, and locate values by pointer for problem reports.
 * JSON.parse keeps no positions, so positions come from parsing the same text with the
 * `yaml` package (JSON is YAML 1.2 flow syntax). A text JSON.parse rejects gives the
 * position of the syntax error instead.
 */
export function parseJsonWithLocations(
  text: string,
):
  | { readonly ok: true; readonly value: unknown; readonly locate: JsonLocator }
  | { readonly ok: false; readonly message: string; readonly line?: number; readonly column?: number } {
  // First, because both position finders below recurse (and the yaml parser's cost grows
  // with depth): a document nested thousands deep is refused where it goes too deep.
  const tooDeep = nestingPastLimit(text);
  if (tooDeep !== undefined) {
    return {
      ok: false,
      message: `nested deeper than ${MAX_JSON_DEPTH} levels`,
      ...lineColumn(text, tooDeep),
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // V8's messages carry a position only for some errors ("Unexpected token" has none), and
    // differ between Node versions: find the offending character ourselves.
    const found = jsonSyntaxError(text);
    if (!found) return { ok: false, message: (error as Error).message };
    const { line, column } = lineColumn(text, found.offset);
    return { ok: false, message: found.message, line, column };
  }
  // Positions are found only when a problem needs one, and not in texts too large to parse
  // twice: the yaml parser builds a node per value, many times the text's size in memory.
  let parsedForPositions: { doc: ReturnType<typeof parseDocument>; lineCounter: LineCounter } | undefined;
  const locate: JsonLocator = (pointer) => {
    if (text.length > MAX_LOCATED_TEXT) return undefined;
    if (!parsedForPositions) {
      const lineCounter = new LineCounter();
      parsedForPositions = { doc: parseDocument(text, { lineCounter, uniqueKeys: false }), lineCounter };
    }
    const { doc, lineCounter } = parsedForPositions;
    if (doc.errors.length > 0) return undefined;
    let node: unknown = doc.contents;
    for (const raw of pointer.split("/").slice(1)) {
      const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
      if (isMap(node)) node = node.items.find((p) => isScalar(p.key) && String(p.key.value) === key)?.value;
      else if (isSeq(node)) node = node.items[Number(key)];
      else return undefined;
    }
    const range = (node as Node | undefined)?.range;
    if (!range) return undefined;
    const pos = lineCounter.linePos(range[0]);
    return { line: pos.line, column: pos.col };
  };
  return { ok: true, value, locate };
}

/**
 * Largest text whose problems get a line and column (1 MiB: thousands of VEX statements); in a
 * larger one they carry their JSON pointer only.
 */
export const MAX_LOCATED_TEXT = 1024 * 1024;

/** Deepest nesting of objects and arrays accepted: VEX and similar documents use fewer than 10. */
export const MAX_JSON_DEPTH = 100;

/** Offset of the bracket that nests past {@link MAX_JSON_DEPTH}, outside strings; undefined if none. */
function nestingPastLimit(text: string): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_JSON_DEPTH) return i;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return undefined;
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === "\n") {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

/**
 * The first syntax error of a JSON text (RFC 8259), by a recognizer that keeps the offset
 * JSON.parse does not report. `undefined` when the text is valid JSON.
 */
export function jsonSyntaxError(text: string): { offset: number; message: string } | undefined {
  let i = 0;
  const fail = (message: string): never => {
    throw { offset: i, message };
  };
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i]!)) i++;
  };
  const describe = () =>
    i >= text.length ? "unexpected end of input" : `unexpected ${JSON.stringify(text[i])}`;
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail(describe());
  };
  const string = () => {
    i++; // opening quote
    while (i < text.length) {
      const c = text[i]!;
      if (c === '"') {
        i++;
        return;
      }
      if (c === "\\") {
        const e = text[i + 1];
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
            i += 2;
            fail("bad \\u escape in string");
          }
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else {
          i++;
          fail("bad escape in string");
        }
      } else if (c < " ") fail("control character in string");
      else i++;
    }
    fail("unterminated string");
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m || m[0] === "" || m[0] === "-") return fail(describe());
    i += m[0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(`${describe()}, expected a property name in double quotes`);
        string();
        ws();
        if (text[i] !== ":") fail(`${describe()}, expected ":"`);
        i++;
        value();
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "}") {
          i++;
          return;
        } else fail(`${describe()}, expected "," or "}"`);
      }
    }
    if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "]") {
          i++;
          return;
        } else fail(`${describe()}, expected "," or "]"`);
      }
    }
    if (c === '"') string();
    else if (c === "t") literal("true");
    else if (c === "f") literal("false");
    else if (c === "n") literal("null");
    else number();
  };
  try {
    value();
    ws();
    if (i < text.length) fail(`${describe()} after the JSON value`);
    return undefined;
  } catch (error) {
    if (typeof error === "object" && error !== null && "offset" in error)
      return error as { offset: number; message: string };
    throw error;
  }
}
