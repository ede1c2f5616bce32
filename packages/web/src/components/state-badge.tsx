import type { FindingState } from "@vigil/core/browser";
import { capitalized } from "./severity.js";

/** A finding's state as a badge. */
export function StateBadge({ state }: { state: FindingState }) {
  return <span className={`badge state-${state}`}>{capitalized(state)}</span>;
}

/** `acceptable_risk` → `Acceptable risk`. */
export function reasonLabel(reason: string): string {
  return capitalized(reason.replaceAll("_", " "));
}
