import { SEVERITY_LEVELS, type SeverityLevel } from "@vigil/core/browser";

/** Severity levels most severe first, as the report lists and counts them. */
export const SEVERITIES_DESCENDING: readonly SeverityLevel[] = [...SEVERITY_LEVELS].reverse();

/** A severity as a labelled badge (colour is never the only cue: the word is always there). */
export function SeverityBadge({ level }: { level: SeverityLevel }) {
  return <span className={`badge severity-${level}`}>{capitalized(level)}</span>;
}

/** `critical` → `Critical`. */
export function capitalized(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
