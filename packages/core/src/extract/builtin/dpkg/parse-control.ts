import type { ExtractorIssue } from "../../extractor.js";

/** One paragraph of a Debian control file, with the line it starts on. */
export interface ControlParagraph {
  readonly line: number;
  /** Field names lower-cased (deb822 field names are case-insensitive). */
  readonly fields: ReadonlyMap<string, string>;
}

/**
 * Parse a deb822 control file (the format of `/var/lib/dpkg/status`): paragraphs of
 * `Field: value` lines separated by blank lines, continuation lines starting with a space
 * or tab. Malformed lines become issues with their line number; parsing goes on.
 * Reference: deb822(5).
 */
export function parseControlFile(text: string): { paragraphs: ControlParagraph[]; issues: ExtractorIssue[] } {
  const paragraphs: ControlParagraph[] = [];
  const issues: ExtractorIssue[] = [];
  let fields = new Map<string, string>();
  let start = 0;
  let lastField: string | undefined;
  const lines = text.split("\n");
  const flush = () => {
    if (fields.size > 0) paragraphs.push({ line: start, fields });
    fields = new Map();
    lastField = undefined;
  };
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (line.trim() === "") {
      flush();
      continue;
    }
    if (fields.size === 0 && lastField === undefined) start = i + 1;
    const first = line.charCodeAt(0);
    if (first === 0x20 || first === 0x09) {
      if (lastField === undefined) {
        issues.push({
          severity: "warning",
          code: "control-orphan-continuation",
          message: "continuation line outside any field",
          line: i + 1,
        });
        continue;
      }
      fields.set(lastField, `${fields.get(lastField)}\n${line.slice(1)}`);
      continue;
    }
    if (first === 0x23) continue; // `#` comment lines are allowed by deb822
    const colon = line.indexOf(":");
    if (colon <= 0) {
      issues.push({
        severity: "warning",
        code: "control-bad-line",
        message: `line is not a "Field: value" line: ${JSON.stringify(line.slice(0, 80))}`,
        line: i + 1,
      });
      continue;
    }
    lastField = line.slice(0, colon).trim().toLowerCase();
    fields.set(lastField, line.slice(colon + 1).trim());
  }
  flush();
  return { paragraphs, issues };
}
