import { GitlabReportInputError } from "./gitlab-report-input.js";

const ELLIPSIS = "…";

/**
 * Cut `text` to at most `max` characters, ending with `…` when it was cut. JSON Schema's
 * `maxLength` counts Unicode code points, not UTF-16 units, so this does too and never
 * splits a surrogate pair.
 */
export function capText(text: string, max: number): string {
  // A string of at most `max` UTF-16 units has at most `max` code points: the common case costs nothing.
  if (text.length <= max) return text;
  if (max < 1) return "";
  let kept = 0;
  let end = 0;
  for (const char of text) {
    if (kept === max - 1) {
      // Only cut if more than one code point remains; otherwise the text fits exactly.
      return end + char.length === text.length ? text : text.slice(0, end) + ELLIPSIS;
    }
    kept++;
    end += char.length;
  }
  return text;
}

/**
 * A date as the schema's `start_time`/`end_time` pattern wants it: `yyyy-mm-ddThh:mm:ss`,
 * UTC, no fraction and no `Z` (pattern `^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$`). Fractions of
 * a second are dropped, not rounded, so an end time never moves past the real end.
 */
export function gitlabTimestamp(date: Date, what: string): string {
  const time = date.getTime();
  if (Number.isNaN(time)) throw new GitlabReportInputError(`The scan ${what} is not a valid date.`);
  const iso = date.toISOString();
  // Years before 0 or after 9999 come out as `+010000-…`/`-000001-…`, which the pattern rejects.
  if (!/^\d{4}-/.test(iso)) {
    throw new GitlabReportInputError(
      `The scan ${what} ${iso} is outside the years 0000-9999 GitLab accepts.`,
    );
  }
  return iso.slice(0, 19);
}
