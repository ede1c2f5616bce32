import {
  changeFindingState,
  type DismissalReason,
  FINDING_STATES,
  type FindingActor,
  type FindingState,
  type FindingStateChangeError,
} from "@vigil/core";
import {
  type FindingHistoryInput,
  type FindingRecord,
  toFinding,
  toFindingRecord,
  toHistoryInput,
} from "../../store/finding-record.js";
import type { JsonSchema } from "../route-definition.js";
import { dismissalReasonSchema, findingStateSchema } from "./api-schemas.js";
import { badInput, oneOf, optionalString } from "./request-input.js";

/** Longest comment a state change keeps. */
export const MAX_COMMENT_LENGTH = 10_000;

/** What a person asks: the new state, and for a dismissal why. */
export interface StateChangeRequest {
  readonly state: FindingState;
  readonly reason?: DismissalReason;
  readonly comment?: string;
}

/** The JSON Schema of {@link StateChangeRequest}'s fields. */
export const stateChangeProperties: Record<string, JsonSchema> = {
  state: findingStateSchema,
  reason: { ...dismissalReasonSchema, description: "Required when dismissing, refused otherwise" },
  comment: { type: "string", maxLength: MAX_COMMENT_LENGTH, description: "Why, kept in the history" },
};

/**
 * The state change fields of a body. The state must be a state and the others text (400);
 * whether the change is allowed (reason required, resolved only reopens ...) is
 * `changeFindingState`'s to say (422).
 */
export function readStateChange(body: Record<string, unknown>): StateChangeRequest {
  if (body.state === undefined) throw badInput("state", `required: one of ${FINDING_STATES.join(", ")}`);
  const state = oneOf(body.state, FINDING_STATES, "state");
  const reason = optionalString(body, "reason");
  const comment = optionalString(body, "comment");
  if (comment !== undefined && comment.length > MAX_COMMENT_LENGTH) {
    throw badInput("comment", `at most ${MAX_COMMENT_LENGTH} characters`);
  }
  return {
    state,
    ...(reason !== undefined ? { reason: reason as DismissalReason } : {}),
    ...(comment !== undefined ? { comment } : {}),
  };
}

/** A planned change of one stored finding: the record to write and its history entry, or why not. */
export type PlannedChange =
  | { readonly ok: true; readonly record: FindingRecord; readonly history: FindingHistoryInput }
  | { readonly ok: false; readonly error: FindingStateChangeError };

/**
 * One manual change of a stored finding through core's `changeFindingState`: the record as it
 * becomes (store fields kept; `resolvedAt` set when it becomes resolved, dropped when it is
 * reopened) and the history entry, ready for `applyChanges`.
 */
export function planStateChange(
  record: FindingRecord,
  request: StateChangeRequest,
  actor: FindingActor,
  now: Date,
): PlannedChange {
  const result = changeFindingState(toFinding(record), {
    to: request.state,
    actor,
    now,
    ...(request.reason !== undefined ? { reason: request.reason } : {}),
    ...(request.comment !== undefined ? { comment: request.comment } : {}),
  });
  if (!result.ok) return result;
  const resolvedAt =
    result.finding.state !== "resolved"
      ? undefined
      : record.state === "resolved"
        ? record.resolvedAt
        : now.toISOString();
  return {
    ok: true,
    record: toFindingRecord(result.finding, {
      id: record.id,
      reportType: record.reportType,
      project: record.project,
      branch: record.branch,
      kev: record.kev,
      epss: record.epss,
      resolvedAt,
      rowVersion: record.rowVersion,
    }),
    history: toHistoryInput(result.entry, record.id),
  };
}

/** The 422 details of a refused change. */
export function refusal(error: FindingStateChangeError, id: string) {
  return { id, problem: error.problem, from: error.from, to: error.to, message: error.message };
}
