import type { SeverityLevel } from "@vigil/core/browser";
import type { FindingCounts } from "@vigil/server";
import { capitalized, SEVERITIES_DESCENDING } from "../components/severity.js";

/**
 * Findings per severity under the current filter (each a button that filters by it) and the
 * share that has a fixed version.
 */
export function SeveritySummary(props: {
  counts: FindingCounts | undefined;
  fixable: number | undefined;
  active: readonly SeverityLevel[];
  onSelect: (severity: SeverityLevel | undefined) => void;
}) {
  const { counts } = props;
  const total = counts?.total ?? 0;
  const share =
    counts && props.fixable !== undefined && total > 0 ? Math.round((props.fixable / total) * 100) : 0;
  return (
    <section className="summary" aria-label="Findings per severity">
      {SEVERITIES_DESCENDING.filter(
        (level) => level !== "negligible" || (counts?.bySeverity[level] ?? 0) > 0,
      ).map((level) => {
        const active = props.active.length === 1 && props.active[0] === level;
        return (
          <button
            type="button"
            key={level}
            className={`summary-card severity-${level}`}
            aria-pressed={active}
            onClick={() => props.onSelect(active ? undefined : level)}
          >
            <span className="summary-label">{capitalized(level)}</span>
            <span className="summary-count" data-testid={`count-${level}`}>
              {counts ? (counts.bySeverity[level] ?? 0).toLocaleString("en") : "…"}
            </span>
          </button>
        );
      })}
      <div className="summary-card fixable">
        <span className="summary-label">Fixable</span>
        <span className="summary-count" data-testid="fixable-share">
          {counts && props.fixable !== undefined ? `${share} %` : "…"}
        </span>
        <span className="muted small">
          {props.fixable !== undefined ? `${props.fixable.toLocaleString("en")} have a fixed version` : ""}
        </span>
      </div>
    </section>
  );
}
