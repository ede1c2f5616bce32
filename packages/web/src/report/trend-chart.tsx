import type { SeverityLevel } from "@vigil/core/browser";
import { api } from "../api/client.js";
import { useApi } from "../api/use-api.js";
import { capitalized } from "../components/severity.js";

/** Severities drawn, most severe first (the others are rare and would only clutter the chart). */
const DRAWN: readonly SeverityLevel[] = ["critical", "high", "medium", "low"];
const WIDTH = 1000;
const HEIGHT = 170;
const PAD = 28;

/**
 * Open operational findings per day and severity over the last 30 days, as lines in an SVG
 * (no chart library: a few hundred bytes instead of tens of kilobytes), with the same numbers
 * in a table for screen readers.
 */
export function TrendChart({ clusters }: { clusters: readonly string[] }) {
  const trend = useApi(
    (signal) =>
      api("GET /api/v1/findings/trend", {
        query: { days: 30, ...(clusters.length > 0 ? { cluster: clusters } : {}) },
        signal,
      }),
    [clusters.join(",")],
  );
  const days = trend.data?.days ?? [];
  if (trend.error) return <p className="muted small">The trend is unavailable: {trend.error.message}</p>;
  if (days.length === 0) return <div className="trend placeholder" aria-hidden="true" />;
  const max = Math.max(1, ...days.flatMap((d) => DRAWN.map((level) => d.bySeverity[level] ?? 0)));
  const x = (i: number) => PAD + (i * (WIDTH - 2 * PAD)) / Math.max(1, days.length - 1);
  const y = (n: number) => HEIGHT - PAD - (n * (HEIGHT - 2 * PAD)) / max;
  return (
    <figure className="trend">
      <figcaption>Open findings over the last {days.length} days</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label="Open findings per day and severity">
        <line x1={PAD} x2={WIDTH - PAD} y1={HEIGHT - PAD} y2={HEIGHT - PAD} className="axis" />
        <text x={PAD - 4} y={y(max) + 4} className="tick" textAnchor="end">
          {max}
        </text>
        <text x={PAD - 4} y={HEIGHT - PAD + 4} className="tick" textAnchor="end">
          0
        </text>
        <text x={PAD} y={HEIGHT - 8} className="tick">
          {days[0]!.day}
        </text>
        <text x={WIDTH - PAD} y={HEIGHT - 8} className="tick" textAnchor="end">
          {days[days.length - 1]!.day}
        </text>
        {DRAWN.map((level) => (
          <polyline
            key={level}
            className={`line severity-${level}`}
            points={days.map((d, i) => `${x(i)},${y(d.bySeverity[level] ?? 0)}`).join(" ")}
          />
        ))}
      </svg>
      <ul className="legend">
        {DRAWN.map((level) => (
          <li key={level}>
            <span className={`swatch severity-${level}`} aria-hidden="true" /> {capitalized(level)}{" "}
            {(days[days.length - 1]!.bySeverity[level] ?? 0).toLocaleString("en")}
          </li>
        ))}
      </ul>
      <table className="visually-hidden">
        <caption>Open findings per day</caption>
        <thead>
          <tr>
            <th scope="col">Day</th>
            {DRAWN.map((level) => (
              <th scope="col" key={level}>
                {capitalized(level)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {days.map((d) => (
            <tr key={d.day}>
              <th scope="row">{d.day}</th>
              {DRAWN.map((level) => (
                <td key={level}>{d.bySeverity[level] ?? 0}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
