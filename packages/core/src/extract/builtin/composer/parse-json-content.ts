import type { ExtractorIssue } from "../../extractor.js";

/** A parsed JSON document, or the issue that says where it broke. */
export type JsonContent =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly issue: ExtractorIssue };

/**
 * `JSON.parse` without the throw: a broken file becomes one located issue (with the line when
 * the engine names a position; V8's wording differs between Node versions, so it may not).
 */
export function parseJsonContent(content: Buffer, code: string): JsonContent {
  const text = content.toString("utf8").replace(/^\uFEFF/, "");
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /at position (\d+)/.exec(message);
    const line = position ? text.slice(0, Number(position[1])).split("\n").length : undefined;
    return {
      ok: false,
      issue: { severity: "error", code, message: `not valid JSON: ${message}`, ...(line ? { line } : {}) },
    };
  }
}
