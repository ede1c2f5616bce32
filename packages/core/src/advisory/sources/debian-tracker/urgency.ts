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
 * The highest rating among `urgencies`, lower-case, its `**` kept (severity derivation trusts
 * Debian's own rating over one copied from NVD, and tells them apart by that marker); between
 * equal levels Debian's own wins. `not yet assigned` when no entry is a rating but one says so;
 * undefined when there is nothing to say.
 */
export function highestUrgency(urgencies: Iterable<string>): string | undefined {
  let best: string | undefined;
  let unassigned = false;
  for (const raw of urgencies) {
    const urgency = raw.trim().toLowerCase();
    if (normalizeUrgency(urgency) === "not yet assigned") unassigned = true;
    const rank = urgencyRank(urgency);
    if (rank === 0) continue;
    const bestRank = best === undefined ? 0 : urgencyRank(best);
    if (rank > bestRank || (rank === bestRank && best!.endsWith("*") && !urgency.endsWith("*")))
      best = urgency;
  }
  return best ?? (unassigned ? "not yet assigned" : undefined);
}
