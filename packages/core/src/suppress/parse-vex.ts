import { parseJsonWithLocations } from "./json-locator.js";
import { readCycloneDxVex } from "./parse-cyclonedx-vex.js";
import { isObject, readOpenVex } from "./parse-openvex.js";
import type { SuppressionProblem } from "./suppression-problem.js";
import type { VexStatement } from "./vex-statement.js";

/** What {@link parseVex} read from one file. */
export interface VexDocument {
  /** `undefined` when the file is not a VEX document Vigil knows. */
  readonly format?: "openvex" | "cyclonedx";
  /** Usable statements, in document order. */
  readonly statements: readonly VexStatement[];
  readonly problems: readonly SuppressionProblem[];
}

/**
 * Read a VEX document: OpenVEX (JSON, `@context` under `https://openvex.dev/ns`) or
 * CycloneDX VEX (JSON, `bomFormat: CycloneDX`). The format is told by content, not by file
 * name. Malformed JSON, an unknown format and every unusable statement become problems
 * with the line (and JSON pointer) of the bad value; nothing throws.
 */
export function parseVex(text: string, fileName: string): VexDocument {
  const problems: SuppressionProblem[] = [];
  const parsed = parseJsonWithLocations(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  if (!parsed.ok) {
    problems.push({
      severity: "error",
      code: "vex-invalid-json",
      message: `not valid JSON: ${parsed.message}; no statement of this file is applied`,
      location: {
        file: fileName,
        ...(parsed.line !== undefined ? { line: parsed.line } : {}),
        ...(parsed.column !== undefined ? { column: parsed.column } : {}),
      },
    });
    return { statements: [], problems };
  }
  const doc = parsed.value;
  const ctx = { file: fileName, locate: parsed.locate, problems };
  if (isObject(doc)) {
    const context = doc["@context"];
    if (typeof context === "string" && context.startsWith("https://openvex.dev/ns"))
      return { format: "openvex", statements: readOpenVex(doc, ctx), problems };
    if (doc.bomFormat === "CycloneDX")
      return { format: "cyclonedx", statements: readCycloneDxVex(doc, ctx), problems };
  }
  problems.push({
    severity: "error",
    code: "vex-unknown-format",
    message:
      "not a VEX document Vigil reads: expected OpenVEX (`@context: https://openvex.dev/ns/v0.2.0`) or CycloneDX (`bomFormat: CycloneDX`)",
    location: { file: fileName, line: 1, column: 1, pointer: "" },
  });
  return { statements: [], problems };
}
