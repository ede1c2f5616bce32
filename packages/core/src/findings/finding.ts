import type { AdvisorySeverity } from "../advisory/severity-level.js";
import type { MatchStatus } from "../model/match.js";
import type { PackageType } from "../model/package.js";
import type { DismissalReason } from "../suppress/ignore-rule.js";
import type { FindingIdentity } from "./finding-identity.js";

/**
 * GitLab's vulnerability states (ARCHITECTURE.md section 5): `detected` needs triage,
 * `confirmed` is accepted as real, `dismissed` is accepted as not worth fixing (with a
 * reason), `resolved` is gone (no longer detected by a covering complete scan, or resolved by
 * hand). https://docs.gitlab.com/user/application_security/vulnerabilities/#vulnerability-status-values
 */
export const FINDING_STATES = ["detected", "confirmed", "dismissed", "resolved"] as const;

/** One of {@link FINDING_STATES}. */
export type FindingState = (typeof FINDING_STATES)[number];

/** The states of a finding still to act on: what reports count as open unless asked otherwise. */
export const OPEN_FINDING_STATES: readonly FindingState[] = ["detected", "confirmed"];

/** Who changed a finding: Vigil itself (a scan) or a person, by the server's user id. */
export type FindingActor = { readonly type: "system" } | { readonly type: "user"; readonly id: string };

/** The actor of every change a scan makes. */
export const SYSTEM_ACTOR: FindingActor = Object.freeze({ type: "system" });

/** Why a dismissed finding is dismissed; who and when are in its history. */
export interface FindingDismissal {
  readonly reason: DismissalReason;
  readonly comment?: string;
}

/**
 * What the latest detection saw: none of it is identity, so all of it may change from one
 * scan to the next (an image upgrade that keeps the CVE changes digest and versions).
 */
export interface FindingDetails {
  /** The digest the container runs (`RunningContainer.digest`), manifest or index. */
  readonly imageDigest: string;
  /** The image as the pod spec writes it. */
  readonly image: string;
  readonly packageType: PackageType;
  readonly packageVersion: string;
  readonly purl: string;
  /** The file inside the image the package was read from. */
  readonly path: string;
  /** The layer that holds that file. */
  readonly layerDigest: string;
  readonly fixedVersion?: string;
  readonly matchStatus: MatchStatus;
  readonly severity: AdvisorySeverity;
  /** Every other id of the vulnerability, sorted (`Match.aliases`). */
  readonly aliases: readonly string[];
}

/**
 * One finding of one cluster as the findings stage keeps it. The server stores these (with
 * its own ids) and gives them back as the previous state of the next reconcile.
 */
export interface Finding {
  readonly identity: FindingIdentity;
  readonly state: FindingState;
  /** Set exactly when `state` is `dismissed`. */
  readonly dismissal?: FindingDismissal;
  readonly details: FindingDetails;
  /** When a scan first detected it. */
  readonly firstSeen: Date;
  /** When a scan last detected it. */
  readonly lastSeen: Date;
  /**
   * Since when the vulnerable code has run without a break: the earliest start of the
   * containers it was detected in, kept across scans until a covering complete scan no longer
   * detects it. Absent when no container reported a start time.
   */
  readonly runningSince?: Date;
  /**
   * The latest complete scan that covered it did not detect it: GitLab's "no longer
   * detected". Open findings are resolved at that point; dismissed (and already resolved)
   * ones keep their state and carry this flag instead, cleared when detected again.
   */
  readonly noLongerDetected: boolean;
}

/** One change of a finding's state, kept forever: who, when, from what to what, and why. */
export interface FindingHistoryEntry {
  readonly identity: FindingIdentity;
  readonly at: Date;
  readonly actor: FindingActor;
  /** Absent when the entry records the finding's creation. */
  readonly from?: FindingState;
  readonly to: FindingState;
  /** Set when `to` is `dismissed`. */
  readonly reason?: DismissalReason;
  readonly comment?: string;
  /** The scan that caused the change; absent for changes made by hand. */
  readonly scanId?: string;
}
