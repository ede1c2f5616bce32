/**
 * Longest run of indentation and block-sequence indicators (`  - - -`) a line may start with:
 * real lockfiles, ignore and policy files stay under 40.
 */
export const MAX_YAML_LINE_INDENT = 1000;

/**
 * Runs a `yaml` package parse of text Vigil does not control (lockfiles in images, ignore and
 * policy files), after refusing what the parser cannot survive. It recurses once per level of
 * block nesting, so a line of a few thousand nested sequences (`- - - - … a: b`, 5 KB) overflows
 * the stack, and where the overflow meets V8 compiling a regular expression the process dies
 * ("RegExpCompiler Allocation failed"): no catch can help, so such text is never parsed. A stack
 * overflow the check does not foresee is caught as well. The caller records `tooDeep` as a
 * located issue, like any other unreadable file.
 */
export function parseNestedYaml<T>(
  text: string,
  parse: (text: string) => T,
): { readonly value: T } | { readonly tooDeep: true; readonly line?: number } {
  const line = lineIndentedPastLimit(text);
  if (line !== undefined) return { tooDeep: true, line };
  try {
    return { value: parse(text) };
  } catch (error) {
    if (error instanceof RangeError && /call stack/i.test(error.message)) return { tooDeep: true };
    throw error;
  }
}

/** The sentence a caller's issue says for {@link parseNestedYaml}'s `tooDeep`. */
export const YAML_TOO_DEEP = "is nested too deeply to read (thousands of levels)";

/** The 1-based line whose leading spaces, tabs and dashes run past the limit; undefined if none. */
function lineIndentedPastLimit(text: string): number | undefined {
  let line = 1;
  let run = 0;
  let atLineStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) {
      line++;
      run = 0;
      atLineStart = true;
    } else if (atLineStart && (c === 0x20 || c === 0x09 || c === 0x2d)) {
      if (++run > MAX_YAML_LINE_INDENT) return line;
    } else atLineStart = false;
  }
  return undefined;
}
