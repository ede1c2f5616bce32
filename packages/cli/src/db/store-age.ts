import type { SourceState } from "@vigil/core";

/** Days since a source last synced successfully, or undefined if it never did. */
export function sourceAgeDays(state: SourceState, now: Date): number | undefined {
  if (!state.lastSuccessAt) return undefined;
  return (now.getTime() - Date.parse(state.lastSuccessAt)) / 86_400_000;
}

/** `3.2 days`, `5 hours`, `12 minutes`. */
export function formatAge(days: number): string {
  if (days >= 1) return `${days.toFixed(1)} days`;
  const hours = days * 24;
  if (hours >= 1) return `${Math.round(hours)} hours`;
  return `${Math.max(0, Math.round(hours * 60))} minutes`;
}

/**
 * Warnings about advisory data too old to trust (the default limit is 7 days, set by
 * `VIGIL_DB_MAX_AGE_DAYS`): printed on every scan so a forgotten update is noticed.
 */
export function staleWarnings(states: readonly SourceState[], now: Date, maxAgeDays: number): string[] {
  const warnings: string[] = [];
  for (const state of states) {
    const age = sourceAgeDays(state, now);
    if (age !== undefined && age > maxAgeDays) {
      warnings.push(
        `advisory source ${state.name} was last updated ${formatAge(age)} ago (limit ${maxAgeDays} days): run \`vigil db update\``,
      );
    }
  }
  return warnings;
}
