import type { Finding, FindingDetails, FindingHistoryEntry } from "./finding.js";
import { SYSTEM_ACTOR } from "./finding.js";
import { compareFindingIdentities, type FindingIdentity, findingKey } from "./finding-identity.js";
import { FindingsInputError } from "./findings-input-error.js";
import { type CoverageGap, createCoverageCheck, type ScanCoverage } from "./scan-coverage.js";

/** One finding as one scan saw it: at most one per identity. */
export interface Detection {
  readonly identity: FindingIdentity;
  readonly details: FindingDetails;
  /** The earliest start of the containers it was detected in, when any reported one. */
  readonly runningSince?: Date;
}

/** Input of {@link reconcileFindings}: one scan of one cluster and that cluster's findings. */
export interface ReconcileFindingsInput {
  readonly clusterId: string;
  /** Written into every history entry the scan causes. */
  readonly scanId: string;
  /** Injected clock: the time of every change. */
  readonly now: Date;
  readonly coverage: ScanCoverage;
  readonly detections: readonly Detection[];
  /** Every finding of this cluster, in any state. */
  readonly previous: readonly Finding[];
}

/**
 * What one scan did to one finding:
 * - `created`: a new identity, now `detected`;
 * - `still-detected`: detected again; state kept, details, `lastSeen` and `runningSince` updated;
 * - `reopened`: a `resolved` finding detected again, back to `detected`;
 * - `resolved`: an open (`detected`/`confirmed`) finding the scan covers and no longer detects;
 * - `no-longer-detected`: a `dismissed` or `resolved` finding the scan covers and does not
 *   detect: state kept, `noLongerDetected` set (GitLab keeps a dismissed vulnerability
 *   dismissed when it is no longer detected);
 * - `unchanged-not-covered`: not detected, but the scan does not cover it (see `gap`), so
 *   nothing about it is concluded.
 */
export type FindingTransitionKind =
  | "created"
  | "still-detected"
  | "reopened"
  | "resolved"
  | "no-longer-detected"
  | "unchanged-not-covered";

/** Every {@link FindingTransitionKind}, in the order counts are listed. */
export const FINDING_TRANSITION_KINDS: readonly FindingTransitionKind[] = [
  "created",
  "still-detected",
  "reopened",
  "resolved",
  "no-longer-detected",
  "unchanged-not-covered",
];

/** One finding after the scan, with what happened and the history to append. */
export interface FindingTransition {
  readonly kind: FindingTransitionKind;
  /** {@link findingKey} of the finding. */
  readonly key: string;
  /** The finding as it is now (the previous record itself when `unchanged-not-covered`). */
  readonly finding: Finding;
  /** The finding before the scan; absent when `created`. */
  readonly previous?: Finding;
  /** History entries to append: one for `created`, `reopened` and `resolved`, none otherwise. */
  readonly history: readonly FindingHistoryEntry[];
  /** Why the scan does not cover it, for `unchanged-not-covered`. */
  readonly gap?: CoverageGap;
}

/** The result of {@link reconcileFindings}. */
export interface ReconcileFindingsResult {
  /** One per previous finding and per new detection, sorted by identity. */
  readonly transitions: readonly FindingTransition[];
  /** Every history entry of `transitions`, in the same order. */
  readonly history: readonly FindingHistoryEntry[];
  readonly counts: Readonly<Record<FindingTransitionKind, number>>;
}

/**
 * The findings stage (ARCHITECTURE.md section 5): one scan of one cluster against that
 * cluster's previous findings, with GitLab's vulnerability semantics. Pure: the clock and the
 * scan id are given, nothing is read or written.
 *
 * - A new identity is created `detected`. A finding detected again keeps its state (a
 *   `dismissed` one stays dismissed) and takes the new details; a `resolved` one is reopened.
 * - A `detected` or `confirmed` finding that is not detected is resolved only when the scan
 *   covers it: status `complete`, its namespace in scope and listed, its workload container
 *   not uncovered (and, under a label selector, observed). Otherwise nothing changes: a
 *   failed, partial or timed-out scan resolves nothing.
 * - A `dismissed` finding a covering scan does not detect stays dismissed with
 *   `noLongerDetected` set, as GitLab marks it "no longer detected" without changing its state.
 * - `runningSince` keeps the earliest start while the finding is continuously detected; after a
 *   covering scan did not detect it, the next detection starts it again.
 *
 * @throws FindingsInputError when a finding or detection belongs to another cluster, or an
 *   identity is repeated: findings of other clusters are never touched.
 */
export function reconcileFindings(input: ReconcileFindingsInput): ReconcileFindingsResult {
  const { clusterId, scanId, now } = input;
  const previousByKey = new Map<string, Finding>();
  for (const finding of input.previous) {
    const key = checkedKey(finding.identity, clusterId, "finding");
    if (previousByKey.has(key)) {
      throw new FindingsInputError(
        "duplicate-finding",
        finding.identity,
        `The finding ${key} is given twice.`,
      );
    }
    previousByKey.set(key, finding);
  }
  const detected = new Map<string, Detection>();
  for (const detection of input.detections) {
    const key = checkedKey(detection.identity, clusterId, "detection");
    if (detected.has(key)) {
      throw new FindingsInputError(
        "duplicate-detection",
        detection.identity,
        `The detection ${key} is given twice; merge one identity's occurrences into one detection.`,
      );
    }
    detected.set(key, detection);
  }

  const entry = (
    identity: FindingIdentity,
    from: Finding["state"] | undefined,
    to: Finding["state"],
  ): FindingHistoryEntry => ({
    identity,
    at: now,
    actor: SYSTEM_ACTOR,
    ...(from ? { from } : {}),
    to,
    scanId,
  });

  const transitions: FindingTransition[] = [];
  for (const [key, detection] of detected) {
    const previous = previousByKey.get(key);
    if (!previous) {
      const finding: Finding = {
        identity: detection.identity,
        state: "detected",
        details: detection.details,
        firstSeen: now,
        lastSeen: now,
        ...(detection.runningSince ? { runningSince: detection.runningSince } : {}),
        noLongerDetected: false,
      };
      transitions.push({
        kind: "created",
        key,
        finding,
        history: [entry(finding.identity, undefined, "detected")],
      });
      continue;
    }
    const runningSince = previous.noLongerDetected
      ? detection.runningSince
      : earliest(previous.runningSince, detection.runningSince);
    const seen: Finding = {
      ...withoutRunningSince(previous),
      details: detection.details,
      lastSeen: now,
      ...(runningSince ? { runningSince } : {}),
      noLongerDetected: false,
    };
    if (previous.state === "resolved") {
      const finding: Finding = { ...seen, state: "detected" };
      transitions.push({
        kind: "reopened",
        key,
        finding,
        previous,
        history: [entry(finding.identity, "resolved", "detected")],
      });
    } else {
      transitions.push({ kind: "still-detected", key, finding: seen, previous, history: [] });
    }
  }

  const gapOf = createCoverageCheck(input.coverage);
  for (const [key, previous] of previousByKey) {
    if (detected.has(key)) continue;
    const gap = gapOf(previous.identity);
    if (gap) {
      transitions.push({ kind: "unchanged-not-covered", key, finding: previous, previous, history: [], gap });
    } else if (previous.state === "detected" || previous.state === "confirmed") {
      const finding: Finding = { ...previous, state: "resolved", noLongerDetected: true };
      transitions.push({
        kind: "resolved",
        key,
        finding,
        previous,
        history: [entry(finding.identity, previous.state, "resolved")],
      });
    } else {
      transitions.push({
        kind: "no-longer-detected",
        key,
        finding: { ...previous, noLongerDetected: true },
        previous,
        history: [],
      });
    }
  }

  transitions.sort((a, b) => compareFindingIdentities(a.finding.identity, b.finding.identity));
  const counts = Object.fromEntries(
    FINDING_TRANSITION_KINDS.map((kind) => [kind, transitions.filter((t) => t.kind === kind).length]),
  ) as Record<FindingTransitionKind, number>;
  return { transitions, history: transitions.flatMap((t) => t.history), counts };
}

function checkedKey(identity: FindingIdentity, clusterId: string, what: "finding" | "detection"): string {
  const key = findingKey(identity);
  if (identity.clusterId !== clusterId) {
    throw new FindingsInputError(
      "other-cluster",
      identity,
      `The ${what} ${key} belongs to cluster "${identity.clusterId}", not "${clusterId}": reconcile one cluster's findings at a time.`,
    );
  }
  return key;
}

function earliest(a: Date | undefined, b: Date | undefined): Date | undefined {
  if (!a) return b;
  if (!b) return a;
  return b.getTime() < a.getTime() ? b : a;
}

function withoutRunningSince(finding: Finding): Omit<Finding, "runningSince"> {
  const { runningSince: _, ...rest } = finding;
  return rest;
}
