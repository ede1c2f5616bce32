/** A module as the build info records it: path, version, go.sum hash, and what replaced it. */
export interface GoModule {
  readonly path: string;
  readonly version: string;
  readonly sum?: string;
  /** The module or directory a `replace` directive put in its place. */
  readonly replace?: GoModule;
}

/** The module information of a Go binary built in module mode. */
export interface GoModInfo {
  /** Import path of the main package (`path` line). */
  readonly path?: string;
  /** The main module (`mod` line). */
  readonly main?: GoModule;
  /** Every module that provided a linked package (`dep` lines), in the order recorded. */
  readonly deps: readonly GoModule[];
}

/** A line of the module information that could not be read; `record` says which. */
export interface ModInfoProblem {
  readonly record: string;
  readonly message: string;
}

/**
 * Parse the module information text that the go command embeds (the format of
 * runtime/debug.BuildInfo's String and ParseBuildInfo, https://pkg.go.dev/runtime/debug#BuildInfo):
 * tab-separated lines `path <import path>`, `mod <path> <version> [<sum>]`,
 * `dep <path> <version> [<sum>]`, `=> <path> <version> [<sum>]` (the replacement of the
 * module on the line before) and `build <key>=<value>` (build settings, not needed here).
 * Blank lines occur (Go 1.18–1.19 end a replacement with one). A malformed line is a problem
 * and is skipped; every good line is still read.
 */
export function parseModInfo(text: string): { info: GoModInfo; problems: ModInfoProblem[] } {
  const problems: ModInfoProblem[] = [];
  let path: string | undefined;
  let main: GoModule | undefined;
  const deps: GoModule[] = [];
  // The module a following `=>` line replaces: the last `mod` or `dep` line, once.
  let replaceable: "main" | "dep" | undefined;

  const lines = text.split("\n");
  for (const [index, raw] of lines.entries()) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.trim() === "") continue;
    const tab = line.indexOf("\t");
    const key = tab < 0 ? line : line.slice(0, tab);
    const rest = tab < 0 ? "" : line.slice(tab + 1);
    const record = `modinfo line ${index + 1}`;
    switch (key) {
      case "path":
        path = rest;
        replaceable = undefined;
        break;
      case "mod":
      case "dep": {
        const module = parseModule(rest);
        if (!module) {
          problems.push({ record, message: `malformed ${key} line ${JSON.stringify(line)}` });
          replaceable = undefined;
          break;
        }
        if (key === "mod") main = module;
        else deps.push(module);
        replaceable = key === "mod" ? "main" : "dep";
        break;
      }
      case "=>": {
        const replacement = parseModule(rest);
        if (!replacement || !replaceable) {
          problems.push({
            record,
            message: replacement
              ? `replacement ${JSON.stringify(line)} does not follow a mod or dep line`
              : `malformed replacement line ${JSON.stringify(line)}`,
          });
          replaceable = undefined;
          break;
        }
        if (replaceable === "main" && main) main = { ...main, replace: replacement };
        else if (replaceable === "dep")
          deps[deps.length - 1] = { ...deps[deps.length - 1]!, replace: replacement };
        replaceable = undefined;
        break;
      }
      case "build":
      case "go":
        replaceable = undefined;
        break;
      default:
        problems.push({ record, message: `unknown line ${JSON.stringify(line)}` });
        replaceable = undefined;
    }
  }
  return { info: { ...(path !== undefined ? { path } : {}), ...(main ? { main } : {}), deps }, problems };
}

/** `<path>\t<version>[\t<sum>]`; the version is empty for a directory replacement in old binaries. */
function parseModule(fields: string): GoModule | undefined {
  const parts = fields.split("\t");
  if (parts.length < 2 || parts.length > 3) return undefined;
  const [path, version, sum] = parts as [string, string, string | undefined];
  if (path === "") return undefined;
  return { path, version, ...(sum ? { sum } : {}) };
}
