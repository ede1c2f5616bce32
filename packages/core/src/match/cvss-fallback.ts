import { cvssRating } from "../advisory/cvss/cvss-rating.js";
import { cvssBaseScore } from "../advisory/cvss/parse-cvss.js";
import type { AdvisorySeverity } from "../advisory/severity-level.js";
import type { AdvisoryReader } from "../advisory/store.js";
import type { Match } from "../model/match.js";

const VERSION_RANK = { "4.0": 3, "3.1": 2, "3.0": 2, "2.0": 1 } as const;
const CVSS_SOURCE = { "2.0": "cvss-v2", "3.0": "cvss-v3", "3.1": "cvss-v3", "4.0": "cvss-v4" } as const;

/**
 * Severity for matches whose own advisories carry none (Debian's OVAL-derived records have
 * no rating): the CVSS vector another advisory of the same CVE gives (OSV, Ubuntu, Red Hat,
 * GitHub), scored by the CVSS specification. Only a vector is borrowed, never another
 * distribution's own rating of its own build; the newest CVSS version and then the highest
 * base score win (ARCHITECTURE.md section 4: distribution first, then CVSS).
 */
export async function withCvssFallback(matches: readonly Match[], reader: AdvisoryReader): Promise<Match[]> {
  const needed = [
    ...new Set(
      matches.filter((m) => m.severity.source === "none" && m.id.startsWith("CVE-")).map((m) => m.id),
    ),
  ];
  if (needed.length === 0) return [...matches];
  const idsByCve = await reader.idsForAliases(needed);
  const advisories = await reader.advisories([...new Set([...idsByCve.values()].flat())]);
  const best = new Map<string, AdvisorySeverity>();
  for (const [cve, ids] of idsByCve) {
    let chosen: { severity: AdvisorySeverity; rank: number; score: number } | undefined;
    for (const id of ids) {
      const vector = advisories.get(id)?.severity.vector;
      if (!vector) continue;
      const scored = cvssBaseScore(vector);
      if ("reason" in scored) continue;
      const rank = VERSION_RANK[scored.version];
      if (chosen && (rank < chosen.rank || (rank === chosen.rank && scored.score <= chosen.score))) continue;
      const rating = cvssRating(scored.score, scored.version);
      chosen = {
        rank,
        score: scored.score,
        severity: {
          level: rating === "none" ? "negligible" : rating,
          source: CVSS_SOURCE[scored.version],
          score: scored.score,
          vector: scored.vector,
          raw: `CVSS from ${id}`,
        },
      };
    }
    if (chosen) best.set(cve, chosen.severity);
  }
  return matches.map((m) =>
    m.severity.source === "none" && best.has(m.id) ? { ...m, severity: best.get(m.id)! } : m,
  );
}
