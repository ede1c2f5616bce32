import { VersionParseError } from "./errors.js";

/** The result of every comparison: a total order, never a NaN or an arbitrary integer. */
export type CompareResult = -1 | 0 | 1;

/** What every scheme's parse result has in common: the string it came from. */
export interface ParsedVersion {
  /** The version string exactly as given to `parse`. */
  readonly version: string;
}

/**
 * One version scheme (ARCHITECTURE.md section 3, "Version comparator"). Implementations are
 * plain objects made by {@link createComparator}; the built-ins are listed in `schemes.ts`.
 */
export interface VersionComparator<P extends ParsedVersion = ParsedVersion> {
  /** Unique scheme id, e.g. `deb`, `semver-go`. */
  readonly scheme: string;
  /** One line for people: which tool's rules this follows. */
  readonly description: string;
  /** Parse a version; malformed input comes back as a {@link VersionParseError} value, never thrown. */
  parse(version: string): P | VersionParseError;
  /** True when `parse` would succeed. Never throws, never allocates an error. */
  isValid(version: string): boolean;
  /**
   * Order two versions. Both must be valid: a malformed one throws its {@link VersionParseError}
   * (use `parse` or `isValid` first to handle bad data as data).
   */
  compare(a: string, b: string): CompareResult;
  /** Order two already parsed versions (no validation left to do). */
  compareParsed(a: P, b: P): CompareResult;
}

/** What a scheme supplies; {@link createComparator} adds caching and the error wrapping. */
export interface ComparatorDefinition<P extends ParsedVersion> {
  readonly scheme: string;
  readonly description: string;
  /** Parse, returning the parsed form or a short reason string when malformed. */
  readonly parse: (version: string) => P | string;
  readonly compare: (a: P, b: P) => CompareResult;
}

/** Options for {@link createComparator}. */
export interface ComparatorOptions {
  /**
   * How many parse results one cache generation holds (0 disables caching). Advisory matching
   * compares the same strings (installed versions, range bounds) over and over, so caching
   * removes most parsing. Two generations bound memory without per-hit bookkeeping: when the
   * young one is full it becomes the old one and the previous old one is dropped; a hit in
   * the old generation is promoted. At most twice this many entries are kept.
   */
  readonly cacheSize?: number;
}

const DEFAULT_CACHE_SIZE = 32768;

/** Build a {@link VersionComparator} from a scheme's parse and compare functions. */
export function createComparator<P extends ParsedVersion>(
  definition: ComparatorDefinition<P>,
  options: ComparatorOptions = {},
): VersionComparator<P> {
  const { scheme, description, parse: parseRaw, compare: compareParsed } = definition;
  const cacheSize = options.cacheSize ?? DEFAULT_CACHE_SIZE;
  let young = new Map<string, P | string>();
  let old = new Map<string, P | string>();

  const parseCached = (version: string): P | string => {
    const hit = young.get(version);
    if (hit !== undefined) return hit;
    if (cacheSize <= 0) return parseRaw(version);
    const parsed = old.get(version) ?? parseRaw(version);
    if (young.size >= cacheSize) {
      old = young;
      young = new Map();
    }
    young.set(version, parsed);
    return parsed;
  };

  const parseOrThrow = (version: string): P => {
    const parsed = parseCached(version);
    if (typeof parsed === "string") throw new VersionParseError(scheme, version, parsed);
    return parsed;
  };

  return {
    scheme,
    description,
    parse(version) {
      const parsed = parseCached(version);
      return typeof parsed === "string" ? new VersionParseError(scheme, version, parsed) : parsed;
    },
    isValid(version) {
      return typeof parseCached(version) !== "string";
    },
    compare(a, b) {
      if (a === b) {
        parseOrThrow(a);
        return 0;
      }
      return compareParsed(parseOrThrow(a), parseOrThrow(b));
    },
    compareParsed,
  };
}
