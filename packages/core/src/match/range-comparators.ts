import { comparatorForEcosystem } from "../version/ecosystems.js";
import { semverComparator } from "../version/semver/flavours.js";
import type { RangeComparators } from "./affects.js";

/**
 * The comparators for one OSV ecosystem: its own scheme for `ECOSYSTEM` ranges, and for
 * `SEMVER` ranges its flavour when the ecosystem is a SemVer one (Go keeps its `v` and
 * `+incompatible` rules), plain SemVer 2.0 otherwise. Throws `UnknownEcosystemError`.
 */
export function rangeComparatorsFor(ecosystem: string): RangeComparators {
  const own = comparatorForEcosystem(ecosystem);
  return { ecosystem: own, semver: own.scheme.startsWith("semver") ? own : semverComparator };
}
