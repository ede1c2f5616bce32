/**
 * Where a problem in a suppression file (ignore rules, VEX document) was found. Files are
 * the user's own, outside the image, so the location is a file name and a line, plus a JSON
 * pointer for JSON documents.
 */
export interface SuppressionProblemLocation {
  /** The file name the caller passed in (as the user wrote it on the command line). */
  readonly file: string;
  /** 1-based line, when known. */
  readonly line?: number;
  /** 1-based column, when known. */
  readonly column?: number;
  /** RFC 6901 pointer to the offending value in a JSON document, e.g. `/statements/2/status`. */
  readonly pointer?: string;
}

/**
 * A located problem in a suppression file (ARCHITECTURE.md section 8: bad data is an issue
 * with its location, never a throw). `error`: the rule or statement was dropped, so nothing
 * is suppressed by it; `warning`: it was read, with doubt.
 */
export interface SuppressionProblem {
  readonly severity: "error" | "warning";
  /** Stable kebab-case code, e.g. `ignore-rule-missing-reason`. */
  readonly code: string;
  /** One sentence for people: what is wrong and what to do. */
  readonly message: string;
  readonly location: SuppressionProblemLocation;
}

/** Render a problem as `file:line:column: message` for terminals and logs. */
export function formatSuppressionProblem(problem: SuppressionProblem): string {
  const { file, line, column, pointer } = problem.location;
  const where =
    line === undefined ? file : column === undefined ? `${file}:${line}` : `${file}:${line}:${column}`;
  return `${where}: ${problem.severity}: ${problem.message}${pointer !== undefined ? ` (at ${pointer || "/"})` : ""}`;
}
