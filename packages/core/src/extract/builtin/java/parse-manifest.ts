/**
 * A JAR manifest (`META-INF/MANIFEST.MF`) read as the JAR File Specification describes it
 * (https://docs.oracle.com/en/java/javase/21/docs/specs/jar/jar.html#jar-manifest): a main
 * section, then individual sections, separated by blank lines; `Name: value` headers; lines
 * end in CR LF, LF or CR; a line that starts with one space continues the previous value.
 */
export interface JarManifest {
  /** Main attributes, keyed by lower-cased header name (header names are case-insensitive). */
  readonly main: ReadonlyMap<string, string>;
  /** Individual sections in file order, each keyed the same way (their `Name` included). */
  readonly sections: readonly ReadonlyMap<string, string>[];
}

/** A line of a manifest that could not be read, with its 1-based line number. */
export interface ManifestProblem {
  readonly line: number;
  readonly message: string;
}

/** What {@link parseManifest} returns: the manifest as far as it could be read, and what it skipped. */
export interface ParsedManifest {
  readonly manifest: JarManifest;
  readonly problems: readonly ManifestProblem[];
}

/** `attribute-name` of the specification: alphanumerics, `-` and `_`. */
const HEADER_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/**
 * Parses a manifest. Bad lines (no colon, a continuation with nothing to continue, an invalid
 * header name) are problems and are skipped; everything else is kept.
 *
 * Writers wrap lines at 72 *bytes*, so a UTF-8 character can be split across a line and its
 * continuation: the lines are joined as bytes (read as Latin-1, one char per byte) and each
 * value decoded as UTF-8 only afterwards, as `java.util.jar.Manifest` does. Exactly one
 * space is removed from a continuation line and after the colon; other spaces are data.
 */
export function parseManifest(content: Buffer): ParsedManifest {
  const text = content.toString("latin1");
  const lines = text.split(/\r\n|\r|\n/);
  // A trailing newline leaves one empty string that is not a line.
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  const problems: ManifestProblem[] = [];
  const sections: Map<string, string>[] = [];
  let current = new Map<string, string>();
  let main: Map<string, string> | undefined;
  // The header that a continuation line extends, and its raw (Latin-1) value so far.
  let open: { key: string; raw: string } | undefined;
  // Whether the last non-continuation line was skipped (its continuations go with it).
  let skipped = false;

  const close = () => {
    if (open === undefined) return;
    const value = decodeUtf8(open.raw);
    // The first occurrence wins, as in java.util.jar.Attributes#read (later ones only warn).
    if (!current.has(open.key)) current.set(open.key, value);
    open = undefined;
  };
  const endSection = () => {
    close();
    if (main === undefined) main = current;
    else if (current.size > 0) sections.push(current);
    current = new Map();
  };

  lines.forEach((line, index) => {
    const lineNo = index + 1;
    if (line === "") {
      skipped = false;
      // Blank lines end a section; several in a row are one separator.
      if (main === undefined || current.size > 0 || open !== undefined) endSection();
      return;
    }
    if (line.startsWith(" ")) {
      if (open === undefined) {
        const message = skipped
          ? "continuation of a line that was skipped"
          : "continuation line with no header before it";
        problems.push({ line: lineNo, message });
        return;
      }
      open.raw += line.slice(1);
      return;
    }
    close();
    skipped = true;
    const colon = line.indexOf(":");
    if (colon <= 0) {
      problems.push({ line: lineNo, message: `not a "Name: value" header: ${quote(line)}` });
      return;
    }
    const name = line.slice(0, colon);
    if (!HEADER_NAME.test(name)) {
      problems.push({ line: lineNo, message: `invalid header name ${quote(name)}` });
      return;
    }
    skipped = false;
    const rest = line.slice(colon + 1);
    open = { key: name.toLowerCase(), raw: rest.startsWith(" ") ? rest.slice(1) : rest };
  });
  endSection();
  return { manifest: { main: main ?? new Map(), sections }, problems };
}

/**
 * A header's value: the main section's, else the first individual section's that has it
 * (Maven's archiver and Ant put `Implementation-*` in a `Name: org/x/` section).
 */
export function manifestValue(manifest: JarManifest, header: string): string | undefined {
  const key = header.toLowerCase();
  const main = manifest.main.get(key);
  if (main !== undefined) return main;
  for (const section of manifest.sections) {
    const value = section.get(key);
    if (value !== undefined) return value;
  }
  return undefined;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Bytes (one Latin-1 char each) as UTF-8 when they are valid UTF-8, else as Latin-1. */
function decodeUtf8(raw: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: testing for ASCII only
  if (/^[\x00-\x7f]*$/.test(raw)) return raw;
  try {
    return utf8.decode(Buffer.from(raw, "latin1"));
  } catch {
    return raw;
  }
}

function quote(text: string): string {
  const quoted = JSON.stringify(text);
  return quoted.length > 82 ? `${quoted.slice(0, 80)}…"` : quoted;
}
