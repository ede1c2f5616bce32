/** A line of a properties file that could not be read as written, with its 1-based line number. */
export interface PropertiesProblem {
  readonly line: number;
  readonly message: string;
}

/** What {@link parseProperties} returns. */
export interface ParsedProperties {
  /** Keys as written (properties keys are case-sensitive); a later key replaces an earlier one. */
  readonly values: ReadonlyMap<string, string>;
  readonly problems: readonly PropertiesProblem[];
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Parses a Java properties file (`pom.properties`) as `java.util.Properties#load` does
 * (https://docs.oracle.com/en/java/javase/21/docs/api/java.base/java/util/Properties.html#load(java.io.Reader)):
 * `#`/`!` comments, a key ended by the first unescaped `=`, `:` or white space, one optional
 * separator, backslash line continuation and escapes (`\t`, `\n`, `\uXXXX` ...).
 *
 * The bytes are read as UTF-8 when they are valid UTF-8 and as ISO-8859-1 otherwise, which
 * is what `PropertyResourceBundle` does since Java 9 and accepts what every Maven version
 * wrote. Values lose their trailing white space (Java keeps it; in a version it is noise).
 */
export function parseProperties(content: Buffer): ParsedProperties {
  let text: string;
  try {
    text = utf8.decode(content);
  } catch {
    text = content.toString("latin1");
  }
  if (text.startsWith("\uFEFF")) text = text.slice(1);
  const values = new Map<string, string>();
  const problems: PropertiesProblem[] = [];
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const startLine = i + 1;
    let logical = lines[i]!.replace(/^[ \t\f]+/, "");
    if (logical === "" || logical.startsWith("#") || logical.startsWith("!")) continue;
    // An odd number of trailing backslashes joins the next natural line (its leading blanks dropped).
    while (endsWithOddBackslashes(logical) && i + 1 < lines.length) {
      i++;
      logical = logical.slice(0, -1) + lines[i]!.replace(/^[ \t\f]+/, "");
    }
    if (endsWithOddBackslashes(logical)) logical = logical.slice(0, -1);
    const { key, value } = splitKeyValue(logical);
    const decodedKey = decodeEscapes(key, startLine, problems);
    const decodedValue = decodeEscapes(value, startLine, problems).replace(/[ \t\f]+$/, "");
    values.set(decodedKey, decodedValue);
  }
  return { values, problems };
}

function endsWithOddBackslashes(line: string): boolean {
  let count = 0;
  for (let i = line.length - 1; i >= 0 && line[i] === "\\"; i--) count++;
  return count % 2 === 1;
}

/** The raw (still escaped) key and value of one logical line. */
function splitKeyValue(line: string): { key: string; value: string } {
  let end = 0;
  while (end < line.length) {
    const c = line[end]!;
    if (c === "\\") {
      end += 2;
      continue;
    }
    if (c === "=" || c === ":" || c === " " || c === "\t" || c === "\f") break;
    end++;
  }
  const key = line.slice(0, Math.min(end, line.length));
  let start = end;
  while (start < line.length && /[ \t\f]/.test(line[start]!)) start++;
  if (start < line.length && (line[start] === "=" || line[start] === ":")) start++;
  while (start < line.length && /[ \t\f]/.test(line[start]!)) start++;
  return { key, value: line.slice(start) };
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { t: "\t", n: "\n", r: "\r", f: "\f" };

function decodeEscapes(raw: string, line: number, problems: PropertiesProblem[]): string {
  if (!raw.includes("\\")) return raw;
  let out = "";
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== "\\") {
      out += c;
      continue;
    }
    const next = raw[i + 1];
    if (next === undefined) break;
    i++;
    if (next === "u") {
      const hex = raw.slice(i + 1, i + 5);
      if (/^[0-9A-Fa-f]{4}$/.test(hex)) {
        out += String.fromCharCode(Number.parseInt(hex, 16));
        i += 4;
      } else {
        // Java throws here; we keep the text and say so.
        problems.push({ line, message: `malformed \\uXXXX escape "\\u${hex}"` });
        out += "u";
      }
      continue;
    }
    out += SIMPLE_ESCAPES[next] ?? next;
  }
  return out;
}
