import type { FindingView } from "@vigil/server";
import { safeHttpUrl } from "./advisory-links.js";

/**
 * Why the installed version is affected, in words: which advisory, which affected range of
 * which ecosystem, compared by which rules, through the binary or the source package.
 */
export function MatchExplanation({ finding }: { finding: FindingView }) {
  const match = finding.match;
  if (!match) {
    return (
      <p className="muted small" data-testid="no-match-explanation">
        The match explanation is not available: the image's stored matches are gone or this finding came from
        a report.
      </p>
    );
  }
  const range = match.range;
  const rangeText =
    range.kind === "versions"
      ? `lists ${range.version} among the affected versions`
      : `affects versions from ${range.introduced === "0" ? "the first" : range.introduced}${
          range.fixed
            ? ` until ${range.fixed} (fixed)`
            : range.lastAffected
              ? ` to ${range.lastAffected} (last affected)`
              : " on (no fix yet)"
        }${range.rangeType === "ECOSYSTEM" ? "" : ` (a ${range.rangeType} range)`}`;
  const references = match.references.map(safeHttpUrl).filter((u): u is string => u !== undefined);
  return (
    <section className="match" aria-labelledby="why" data-testid="match-explanation">
      <h3 id="why">Why it matched</h3>
      <p>
        {match.advisoryIds[0]} ({match.ecosystem}) {rangeText}. The{" "}
        {match.matchedVia === "source" ? "source" : "binary"} package <strong>{match.matchedName}</strong>{" "}
        {match.matchedVersion}
        {match.matchedVia === "source"
          ? ` (built into ${finding.identity.packageName} ${finding.details.packageVersion})`
          : ""}{" "}
        is in that range, compared by the <code>{match.comparator}</code> version rules.
      </p>
      {match.advisoryIds.length > 1 ? (
        <p className="muted small">Also matched: {match.advisoryIds.slice(1).join(", ")}</p>
      ) : null}
      {references.length > 0 ? (
        <>
          <h3>References</h3>
          <ul className="references">
            {references.slice(0, 20).map((url) => (
              <li key={url}>
                <a href={url} target="_blank" rel="noopener noreferrer">
                  {url}
                </a>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}
