import type { ExtractorIssue } from "../../extractor.js";

/** What a generated gemspec says about its gem. */
export interface GemspecFields {
  readonly name?: string;
  readonly version?: string;
  readonly licenses: readonly string[];
  readonly issues: readonly ExtractorIssue[];
}

/** A Ruby string literal: `"x"` or `'x'`, optionally `.freeze`, or `%q<x>`/`%q{x}`. */
const STRING = String.raw`(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|%q[<{(\[]([^>})\]]*)[>})\]])(?:\.freeze)?`;

/**
 * Read name, version and licences from an installed gem's specification without running
 * Ruby. RubyGems writes these files itself (`Gem::Specification#to_ruby`), so they have one
 * shape: `Gem::Specification.new do |s|` and one `s.attr = literal` per line. Anything
 * cleverer (interpolation, constants, method calls) is not read and is reported, because
 * evaluating Ruby from an image is out of the question.
 */
export function parseGemspec(text: string): GemspecFields {
  const issues: ExtractorIssue[] = [];
  const lines = text.split("\n");
  let variable: string | undefined;
  let name: string | undefined;
  let version: string | undefined;
  let licenses: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (variable === undefined) {
      const block = /Gem::Specification\.new\s*(?:do|\{)\s*\|\s*([A-Za-z_]\w*)\s*\|/.exec(line);
      if (block) variable = block[1]!;
      continue;
    }
    const assign = new RegExp(String.raw`^\s*${variable}\.(name|version|licenses?)\s*=\s*(.*)$`).exec(line);
    if (!assign) continue;
    const [, attr, rhs] = assign as unknown as [string, string, string];
    if (attr === "name" && name === undefined) {
      name = literal(rhs, attr, i + 1, issues);
    } else if (attr === "version" && version === undefined) {
      // `s.version = "1.2.3"`; older RubyGems wrote `Gem::Version.new("1.2.3")` in places.
      const inner = /^Gem::Version\.new\((.*)\)/.exec(rhs.trim());
      version = literal(inner ? inner[1]! : rhs, attr, i + 1, issues);
    } else if (attr === "license" || attr === "licenses") {
      licenses = stringList(rhs);
    }
  }
  if (variable === undefined) {
    issues.push({
      severity: "error",
      code: "gemspec-no-specification",
      message: "no `Gem::Specification.new do |s|` block",
    });
  } else {
    // A missing assignment is its own issue; an unreadable one was reported where it stands.
    const reported = issues.map((issue) => issue.message);
    if (name === undefined && !reported.some((m) => m.startsWith("name "))) {
      issues.push({
        severity: "error",
        code: "gemspec-missing-name",
        message: `no ${variable}.name assignment`,
      });
    }
    if (version === undefined && !reported.some((m) => m.startsWith("version "))) {
      issues.push({
        severity: "error",
        code: "gemspec-missing-version",
        message: `no ${variable}.version assignment${name ? ` for gem ${name}` : ""}`,
        ...(name ? { record: name } : {}),
      });
    }
  }
  return { ...(name ? { name } : {}), ...(version ? { version } : {}), licenses, issues };
}

function literal(rhs: string, attr: string, line: number, issues: ExtractorIssue[]): string | undefined {
  const match = new RegExp(`^\\s*${STRING}`).exec(rhs);
  const value = match ? rubyUnescape(match[1] ?? match[2] ?? match[3] ?? "") : undefined;
  if (value === undefined || value.includes("#{")) {
    issues.push({
      severity: "error",
      code: "gemspec-not-literal",
      message: `${attr} is not a plain string literal: ${rhs.trim().slice(0, 80)}`,
      line,
    });
    return undefined;
  }
  return value.trim() || undefined;
}

/** `["MIT".freeze, "Ruby".freeze]` or a single string (RubyGems wraps it with `Array()`). */
function stringList(rhs: string): string[] {
  const out: string[] = [];
  const each = new RegExp(STRING, "g");
  for (const match of rhs.matchAll(each)) {
    const value = rubyUnescape(match[1] ?? match[2] ?? match[3] ?? "").trim();
    if (value) out.push(value);
  }
  return out;
}

function rubyUnescape(value: string): string {
  return value
    .replace(/\\u([0-9a-fA-F]{4})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
    .replace(/\\(.)/g, "$1");
}
