import { inflateSync } from "node:zlib";
import type { ExtractorIssue } from "../../extractor.js";

/**
 * Largest decompressed audit data accepted: cargo-auditable's PARSING.md advises a limit
 * against zip bombs and calls 8 MiB "more than enough to hold any legitimate audit data".
 */
export const MAX_AUDIT_JSON_BYTES = 8 * 1024 * 1024;

/** The JSON text of a `.dep-v0` section (a zlib stream), or the issue that prevents it. */
export function decompressAuditData(
  compressed: Buffer,
): { ok: true; text: string } | { ok: false; issue: ExtractorIssue } {
  let json: Buffer;
  try {
    json = inflateSync(compressed, { maxOutputLength: MAX_AUDIT_JSON_BYTES });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      ok: false,
      issue:
        code === "ERR_BUFFER_TOO_LARGE"
          ? {
              severity: "error",
              code: "rust-audit-too-large",
              message: `the .dep-v0 section decompresses to more than ${MAX_AUDIT_JSON_BYTES} bytes`,
            }
          : {
              severity: "error",
              code: "rust-audit-bad-zlib",
              message: `the .dep-v0 section is not a valid zlib stream: ${(error as Error).message}`,
            },
    };
  }
  try {
    // Well-formed audit data is UTF-8 JSON; anything else is damage (PARSING.md, step 3).
    return { ok: true, text: new TextDecoder("utf-8", { fatal: true }).decode(json) };
  } catch {
    return {
      ok: false,
      issue: { severity: "error", code: "rust-audit-invalid-json", message: "the .dep-v0 data is not UTF-8" },
    };
  }
}
