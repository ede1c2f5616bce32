import type { Match } from "@vigil/core";
import type { FindingHistoryRecord, FindingRecord } from "../../store/finding-record.js";
import type { ApiRouteDeps } from "./api-route-deps.js";
import { storedMatchOf, storedPlatformsOf } from "./stored-finding-match.js";

/** Most containers a finding's `sameImage` lists. */
export const MAX_SAME_IMAGE_CONTAINERS = 200;

/** Why a finding matched, as its stored match explains it: what a person needs to judge it. */
export type MatchExplanation = Pick<
  Match,
  | "advisoryIds"
  | "aliases"
  | "matchedVia"
  | "matchedName"
  | "matchedVersion"
  | "ecosystem"
  | "comparator"
  | "range"
  | "fixedVersion"
  | "status"
  | "severity"
  | "summary"
  | "description"
  | "references"
  | "kev"
  | "epss"
>;

/** A workload container that runs a finding's image, in any cluster. */
export interface SameImageContainer {
  readonly clusterId: string;
  readonly clusterName: string;
  readonly namespace: string;
  readonly workloadKind: string;
  readonly workloadName: string;
  readonly containerName: string;
  readonly image: string;
  readonly runningSince?: string;
  readonly lastSeenAt: string;
}

/**
 * One finding as its page shows it (`GET /api/v1/findings/:id`, and the answer to a state
 * change, which the page replaces its view with): the record, its history, why it matched,
 * and where else its image runs.
 */
export interface FindingDetail extends FindingRecord {
  readonly history: readonly FindingHistoryRecord[];
  /** Absent when the image or its match is not stored (a development finding, or pruned data). */
  readonly match?: MatchExplanation;
  /** Every workload container, in any cluster, that runs `details.imageDigest`; at most {@link MAX_SAME_IMAGE_CONTAINERS}. */
  readonly sameImage: readonly SameImageContainer[];
  /** More containers run the image than `sameImage` lists. */
  readonly sameImageTruncated: boolean;
}

/** The detail of a stored finding, read from the history, the stored images and the workload containers. */
export async function findingDetail(
  deps: Pick<ApiRouteDeps, "history" | "images" | "workloads">,
  record: FindingRecord,
): Promise<FindingDetail> {
  const digest = record.details.imageDigest;
  const [history, match, running] = await Promise.all([
    deps.history.list(record.id),
    digest === "" ? undefined : storedMatch(deps, record),
    digest === "" ? undefined : deps.workloads.runningDigest(digest, MAX_SAME_IMAGE_CONTAINERS),
  ]);
  return {
    ...record,
    history,
    ...(match ? { match: matchExplanation(match) } : {}),
    sameImage: (running?.containers ?? []).map((c) => ({
      clusterId: c.clusterId,
      clusterName: c.clusterName,
      namespace: c.namespace,
      workloadKind: c.workloadKind,
      workloadName: c.workloadName,
      containerName: c.containerName,
      image: c.image,
      ...(c.runningSince !== undefined ? { runningSince: c.runningSince } : {}),
      lastSeenAt: c.lastSeenAt,
    })),
    sameImageTruncated: running?.truncated ?? false,
  };
}

/** The finding's match on the first stored platform of its digest that has it. */
async function storedMatch(
  deps: Pick<ApiRouteDeps, "images">,
  record: FindingRecord,
): Promise<Match | undefined> {
  const images = await deps.images.byDigests([record.details.imageDigest]);
  for (const image of storedPlatformsOf(record, images)) {
    const match = storedMatchOf(record, image);
    if (match) return match;
  }
  return undefined;
}

/** The explaining fields of a match (its package is the finding's, in `details`). */
export function matchExplanation(match: Match): MatchExplanation {
  return {
    advisoryIds: match.advisoryIds,
    aliases: match.aliases,
    matchedVia: match.matchedVia,
    matchedName: match.matchedName,
    matchedVersion: match.matchedVersion,
    ecosystem: match.ecosystem,
    comparator: match.comparator,
    range: match.range,
    ...(match.fixedVersion !== undefined ? { fixedVersion: match.fixedVersion } : {}),
    status: match.status,
    severity: match.severity,
    ...(match.summary !== undefined ? { summary: match.summary } : {}),
    ...(match.description !== undefined ? { description: match.description } : {}),
    references: match.references,
    ...(match.kev !== undefined ? { kev: match.kev } : {}),
    ...(match.epss !== undefined ? { epss: match.epss } : {}),
  };
}
