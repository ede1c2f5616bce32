import type { CompareResult } from "./comparator.js";
import { comparatorForEcosystem } from "./ecosystems.js";
import { InvalidVersionError, VersionParseError } from "./errors.js";

export { InvalidVersionError, UnknownEcosystemError, VersionError } from "./errors.js";

/**
 * Compare two versions of one OSV ecosystem (`Debian:12`, `npm`, `Red Hat:enterprise_linux:9`),
 * the small entry point other programs embed. Returns -1, 0 or 1.
 *
 * Throws {@link UnknownEcosystemError} for an ecosystem without a scheme and
 * {@link InvalidVersionError} (naming the ecosystem and the version, with the scheme's
 * {@link VersionParseError} as `cause`) for a malformed version. Callers that must not throw
 * on bad data use `comparatorForEcosystem(e).parse(v)` and record the error value instead.
 */
export function compareVersions(ecosystem: string, a: string, b: string): CompareResult {
  const comparator = comparatorForEcosystem(ecosystem);
  try {
    return comparator.compare(a, b);
  } catch (error) {
    if (error instanceof VersionParseError) throw new InvalidVersionError(ecosystem, error);
    throw error;
  }
}
