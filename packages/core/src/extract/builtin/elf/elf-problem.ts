import type { ExtractorIssue, ExtractorResult } from "../../extractor.js";

/**
 * Why an ELF structure could not be read. Extractors turn it into an issue of their own: a
 * damaged executable is bad data, never an exception.
 */
export interface ElfProblem {
  /** Stable kebab-case code, e.g. `elf-truncated-header`. */
  readonly code: string;
  readonly message: string;
}

/** A value read from an ELF file, or the problem that stopped the read. */
export type ElfResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problem: ElfProblem };

/** A successful {@link ElfResult}. */
export function elfOk<T>(value: T): ElfResult<T> {
  return { ok: true, value };
}

/** A failed {@link ElfResult}. */
export function elfProblem<T>(code: string, message: string): ElfResult<T> {
  return { ok: false, problem: { code, message } };
}

/** A result with no packages and the problem as its one issue. */
export function elfProblemResult(problem: ElfProblem, severity: ExtractorIssue["severity"]): ExtractorResult {
  return { packages: [], issues: [{ severity, code: problem.code, message: problem.message }] };
}
