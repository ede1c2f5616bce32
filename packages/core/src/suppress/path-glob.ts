/** A compiled path glob, or why the pattern could not be compiled. */
export type PathGlob =
  | { readonly ok: true; readonly test: (path: string) => boolean }
  | { readonly ok: false; readonly error: string };

/**
 * Compile a glob over absolute paths inside an image. `*` matches within one path segment,
 * `?` one character of a segment, `**` as a whole segment any number of segments (none
 * included), `{a,b}` alternatives, `[abc]` / `[!abc]` a character class. A pattern without
 * a leading `/` is taken from the root (`usr/lib/**` is `/usr/lib/**`). Matching is
 * case-sensitive, as image filesystems are. Hand-written because `path.matchesGlob` is not
 * in Node 20.
 */
export function compilePathGlob(pattern: string): PathGlob {
  if (pattern.length === 0) return { ok: false, error: "the pattern is empty" };
  const source = pattern.startsWith("/") ? pattern : `/${pattern}`;
  let regex = "";
  let inBraces = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === "/" && source.startsWith("/**", i) && (i + 3 === source.length || source[i + 3] === "/")) {
      // `/**` at the end: the directory itself and everything under it; `/**/`: zero or more segments.
      regex += i + 3 === source.length ? "(?:/.*)?" : "(?:/.*)?(?=/)";
      i += 2;
    } else if (c === "*") {
      while (source[i + 1] === "*") i++;
      regex += "[^/]*";
    } else if (c === "?") regex += "[^/]";
    else if (c === "{") {
      if (inBraces) return { ok: false, error: `nested "{" at character ${i + 1}` };
      inBraces = true;
      regex += "(?:";
    } else if (c === "}" && inBraces) {
      inBraces = false;
      regex += ")";
    } else if (c === "," && inBraces) regex += "|";
    else if (c === "[") {
      const end = source.indexOf("]", i + 2);
      if (end < 0) return { ok: false, error: `unclosed "[" at character ${i + 1}` };
      let body = source.slice(i + 1, end);
      const negate = body.startsWith("!") || body.startsWith("^");
      if (negate) body = body.slice(1);
      regex += `[${negate ? "^/" : ""}${body.replace(/[\\\]^]/g, "\\$&")}]`;
      i = end;
    } else regex += c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  if (inBraces) return { ok: false, error: 'unclosed "{"' };
  let compiled: RegExp;
  try {
    compiled = new RegExp(`^${regex}$`, "s");
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
  return { ok: true, test: (path) => compiled.test(path) };
}
