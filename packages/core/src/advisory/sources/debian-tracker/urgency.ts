/**
 * Debian tracker urgencies (https://security-team.debian.org/security_tracker.html#severity-levels):
 * `unimportant`, `low`, `medium`, `high`; a trailing `**` means the tracker took the rating
 * from NVD rather than the security team assigning it (bin/tracker_service.py). `not yet
 * assigned` and `end-of-life` are not ratings: the first means nobody rated it, the second
 * that the package is no longer supported in that release.
 */
const RANK: Readonly<Record<string, number>> = { unimportant: 1, low: 2, medium: 3, high: 4 };

/** The rating without the NVD marker, lower-case: `high**` → `high`. */
export function normalizeUrgency(urgency: string): string {
  return urgency.trim().toLowerCase().replace(/\*+$/, "");
}

/** 0 for non-ratings, then unimportant < low < medium < high. */
export function urgencyRank(urgency: string): number {
  return RANK[normalizeUrgency(urgency)] ?? 0;
}

/**
 * The highest rating among `urgencies`, normalized (`high`), or `not yet assigned` when none
 * is a rating but some entry says so; undefined when there is nothing to say.
 */
export function highestUrgency(urgencies: Iterable<string>): string | undefined {
  let best: string | undefined;
  let unassigned = false;
  for (const urgency of urgencies) {
    if (normalizeUrgency(urgency) === "not yet assigned") unassigned = true;
    if (urgencyRank(urgency) > 0 && (best === undefined || urgencyRank(urgency) > urgencyRank(best)))
      best = urgency;
  }
  return best !== undefined ? normalizeUrgency(best) : unassigned ? "not yet assigned" : undefined;
}
