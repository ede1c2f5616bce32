import { describe, expect, it } from "vitest";
import type { DismissalReason } from "../suppress/ignore-rule.js";
import {
  type ChangeFindingStateOptions,
  changeFindingState,
  FindingStateChangeError,
} from "./change-finding-state.js";
import { FINDING_STATES, type Finding, type FindingState } from "./finding.js";
import { finding, identity, t } from "./test-support/findings-fixtures.js";

const now = t("12:00");
const alice = { type: "user", id: "alice" } as const;

/** A finding in `state` (dismissed ones as false positives). */
const inState = (state: FindingState): Finding =>
  finding(state === "dismissed" ? { state, dismissal: { reason: "false_positive" } } : { state });

/** The options a person would give to move a finding to `to`: a reason when dismissing. */
const toState = (
  to: FindingState,
  fields: Partial<ChangeFindingStateOptions> = {},
): ChangeFindingStateOptions => ({
  to,
  actor: alice,
  now,
  ...(to === "dismissed" ? { reason: "acceptable_risk" as const } : {}),
  ...fields,
});

describe("changeFindingState: the transition table", () => {
  // from, to, the outcome: `ok` or the problem.
  const table: readonly (readonly [FindingState, FindingState, string])[] = [
    ["detected", "detected", "unchanged"],
    ["detected", "confirmed", "ok"],
    ["detected", "dismissed", "ok"],
    ["detected", "resolved", "ok"],
    ["confirmed", "detected", "ok"],
    ["confirmed", "confirmed", "unchanged"],
    ["confirmed", "dismissed", "ok"],
    ["confirmed", "resolved", "ok"],
    ["dismissed", "detected", "ok"],
    ["dismissed", "confirmed", "ok"],
    ["dismissed", "dismissed", "ok"], // a new reason (false_positive -> acceptable_risk)
    ["dismissed", "resolved", "ok"],
    ["resolved", "detected", "ok"], // reopen
    ["resolved", "confirmed", "not-allowed"],
    ["resolved", "dismissed", "not-allowed"],
    ["resolved", "resolved", "unchanged"],
  ];

  it("lists every pair of states once", () => {
    expect(table.map(([from, to]) => `${from}>${to}`).sort()).toEqual(
      FINDING_STATES.flatMap((from) => FINDING_STATES.map((to) => `${from}>${to}`)).sort(),
    );
  });

  it.each(table)("%s -> %s: %s", (from, to, outcome) => {
    const before = inState(from);
    const result = changeFindingState(before, toState(to, { comment: "triaged in review" }));
    if (!result.ok) {
      expect(result.error).toBeInstanceOf(FindingStateChangeError);
      expect([result.error.problem, result.error.from, result.error.to]).toEqual([outcome, from, to]);
      return;
    }
    expect(outcome).toBe("ok");
    const dismissal =
      to === "dismissed" ? { reason: "acceptable_risk", comment: "triaged in review" } : undefined;
    const { dismissal: _, ...unchanged } = before;
    expect(result.finding).toEqual({ ...unchanged, state: to, ...(dismissal ? { dismissal } : {}) });
    expect(result.entry).toEqual({
      identity: identity(),
      at: now,
      actor: alice,
      from,
      to,
      ...(to === "dismissed" ? { reason: "acceptable_risk" } : {}),
      comment: "triaged in review",
    });
  });
});

describe("changeFindingState: reasons, comments and actors", () => {
  it.each([
    {
      name: "dismissing without a reason",
      from: "detected" as const,
      options: toState("dismissed", { reason: undefined }),
      problem: "reason-required",
    },
    {
      name: "dismissing with a reason GitLab does not know",
      from: "detected" as const,
      options: toState("dismissed", { reason: "wont_fix" as DismissalReason }),
      problem: "unknown-reason",
    },
    {
      name: "a dismissal reason on a confirmation",
      from: "detected" as const,
      options: toState("confirmed", { reason: "false_positive" }),
      problem: "reason-not-allowed",
    },
    {
      name: "re-dismissing with the same reason and comment",
      from: "dismissed" as const,
      options: toState("dismissed", { reason: "false_positive" }),
      problem: "unchanged",
    },
    {
      name: "a user without an id",
      from: "detected" as const,
      options: toState("confirmed", { actor: { type: "user", id: " " } }),
      problem: "invalid-actor",
    },
    {
      name: "confirming a resolved finding",
      from: "resolved" as const,
      options: toState("confirmed"),
      problem: "not-allowed",
    },
  ])("refuses $name ($problem)", ({ from, options, problem }) => {
    const before = inState(from);
    const result = changeFindingState(before, options);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.problem).toBe(problem);
    expect(result.error.message).not.toBe("");
  });

  it("says what is allowed instead", () => {
    const result = changeFindingState(inState("resolved"), toState("confirmed"));
    expect(result.ok ? "" : result.error.message).toBe(
      "A resolved finding cannot be made confirmed; allowed: detected.",
    );
  });

  it("re-dismisses with a new comment under the same reason", () => {
    const result = changeFindingState(
      inState("dismissed"),
      toState("dismissed", { reason: "false_positive", comment: "not reachable: the CLI is never run" }),
    );
    expect(result.ok && result.finding.dismissal).toEqual({
      reason: "false_positive",
      comment: "not reachable: the CLI is never run",
    });
  });

  it("drops the dismissal when a dismissed finding is reopened, and keeps detection fields", () => {
    const before = finding({ ...inState("dismissed"), noLongerDetected: true });
    const result = changeFindingState(before, toState("detected"));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect("dismissal" in result.finding).toBe(false);
    expect(result.finding).toMatchObject({
      state: "detected",
      noLongerDetected: true,
      firstSeen: before.firstSeen,
      lastSeen: before.lastSeen,
      runningSince: before.runningSince,
      details: before.details,
    });
    expect(result.entry).toEqual({
      identity: identity(),
      at: now,
      actor: alice,
      from: "dismissed",
      to: "detected",
    });
  });

  it("leaves out an empty comment, and accepts the system as actor", () => {
    const result = changeFindingState(
      inState("detected"),
      toState("resolved", { comment: "  ", actor: { type: "system" } }),
    );
    expect(result.ok && result.entry).toEqual({
      identity: identity(),
      at: now,
      actor: { type: "system" },
      from: "detected",
      to: "resolved",
    });
  });

  it("does not change the finding it was given", () => {
    const before = Object.freeze(inState("dismissed"));
    const copy = structuredClone(before);
    changeFindingState(before, toState("confirmed"));
    expect(before).toEqual(copy);
  });
});
