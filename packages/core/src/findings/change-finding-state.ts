import { DISMISSAL_REASONS, type DismissalReason } from "../suppress/ignore-rule.js";
import type { Finding, FindingActor, FindingHistoryEntry, FindingState } from "./finding.js";

/**
 * The state changes a person (or a policy) may make, by current state:
 * - `detected` → `confirmed`, `dismissed`, `resolved`;
 * - `confirmed` → `detected` (back to triage), `dismissed`, `resolved`;
 * - `dismissed` → `detected` (undo the dismissal), `confirmed`, `dismissed` (a new reason or
 *   comment), `resolved`;
 * - `resolved` → `detected` only (reopen): a resolved finding is not known to be present, so it
 *   cannot be confirmed or dismissed until it is reopened.
 * Any other same-state change is refused as a no-op. Scans make their own changes through
 * `reconcileFindings` (created, resolved, reopened), not through this table.
 */
export const FINDING_STATE_CHANGES: Readonly<Record<FindingState, readonly FindingState[]>> = {
  detected: ["confirmed", "dismissed", "resolved"],
  confirmed: ["detected", "dismissed", "resolved"],
  dismissed: ["detected", "confirmed", "dismissed", "resolved"],
  resolved: ["detected"],
};

/** Options of {@link changeFindingState}. */
export interface ChangeFindingStateOptions {
  readonly to: FindingState;
  readonly actor: FindingActor;
  /** Required when `to` is `dismissed`, refused otherwise. */
  readonly reason?: DismissalReason;
  /** Why, in the person's words; kept in the history (and in the dismissal). */
  readonly comment?: string;
  /** Injected clock. */
  readonly now: Date;
}

/**
 * Why a state change was refused: `not-allowed` (not in {@link FINDING_STATE_CHANGES}),
 * `unchanged` (nothing would change), `reason-required` (dismissing without a reason),
 * `reason-not-allowed` (a dismissal reason on another change), `unknown-reason` (not one of
 * GitLab's dismissal reasons), `invalid-actor` (a user without an id).
 */
export type FindingStateChangeProblem =
  | "not-allowed"
  | "unchanged"
  | "reason-required"
  | "reason-not-allowed"
  | "unknown-reason"
  | "invalid-actor";

/** A refused state change, with what was asked and why it was refused. */
export class FindingStateChangeError extends Error {
  override readonly name = "FindingStateChangeError";
  readonly problem: FindingStateChangeProblem;
  readonly from: FindingState;
  readonly to: FindingState;

  constructor(
    problem: FindingStateChangeProblem,
    from: FindingState,
    to: FindingState,
    message: string,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.problem = problem;
    this.from = from;
    this.to = to;
  }
}

/** The result of {@link changeFindingState}: the changed finding and its history entry, or why not. */
export type ChangeFindingStateResult =
  | { readonly ok: true; readonly finding: Finding; readonly entry: FindingHistoryEntry }
  | { readonly ok: false; readonly error: FindingStateChangeError };

/**
 * A manual state change of one finding, checked against {@link FINDING_STATE_CHANGES}. Pure:
 * returns the finding as it becomes and the history entry to append, or a typed error (never
 * throws), so an HTTP route can answer 409/422 with the message. Leaving `dismissed` drops the
 * dismissal (the history keeps it); detection fields (`lastSeen`, `noLongerDetected` ...) are
 * the scans' and stay as they are.
 */
export function changeFindingState(
  finding: Finding,
  options: ChangeFindingStateOptions,
): ChangeFindingStateResult {
  const from = finding.state;
  const { to, actor, reason, now } = options;
  const comment = options.comment?.trim() ? options.comment : undefined;
  const refuse = (problem: FindingStateChangeProblem, message: string): ChangeFindingStateResult => ({
    ok: false,
    error: new FindingStateChangeError(problem, from, to, message),
  });

  if (actor.type === "user" && actor.id.trim() === "") {
    return refuse("invalid-actor", "A state change by a user needs the user's id.");
  }
  if (!FINDING_STATE_CHANGES[from].includes(to)) {
    return from === to
      ? refuse("unchanged", `The finding is already ${to}.`)
      : refuse(
          "not-allowed",
          `A ${from} finding cannot be made ${to}; allowed: ${FINDING_STATE_CHANGES[from].join(", ")}.`,
        );
  }
  if (to === "dismissed") {
    if (reason === undefined) {
      return refuse("reason-required", `Dismissing needs a reason: one of ${DISMISSAL_REASONS.join(", ")}.`);
    }
    if (!(DISMISSAL_REASONS as readonly string[]).includes(reason)) {
      return refuse(
        "unknown-reason",
        `"${reason}" is not a dismissal reason; use one of ${DISMISSAL_REASONS.join(", ")}.`,
      );
    }
    if (
      from === "dismissed" &&
      finding.dismissal?.reason === reason &&
      finding.dismissal.comment === comment
    ) {
      return refuse("unchanged", `The finding is already dismissed as ${reason} with this comment.`);
    }
  } else if (reason !== undefined) {
    return refuse(
      "reason-not-allowed",
      `A dismissal reason belongs only to a change to dismissed, not to ${to}.`,
    );
  }

  const { dismissal: _, ...rest } = finding;
  const changed: Finding =
    to === "dismissed"
      ? { ...rest, state: to, dismissal: { reason: reason!, ...(comment ? { comment } : {}) } }
      : { ...rest, state: to };
  const entry: FindingHistoryEntry = {
    identity: finding.identity,
    at: now,
    actor,
    from,
    to,
    ...(to === "dismissed" ? { reason: reason! } : {}),
    ...(comment ? { comment } : {}),
  };
  return { ok: true, finding: changed, entry };
}
