// The soak's plot: memory of each process and the API's p95 latency over time, drawn as an SVG
// here and turned into a PNG by Debian's Chromium (playwright-core), with no plotting library.
import { chromium } from "playwright-core";

const WIDTH = 1200;
const PANEL_HEIGHT = 300;
const MARGIN = { left: 80, right: 170, top: 60, gap: 70, bottom: 50 };
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"];

/** Round numbers for an axis from 0 to at least `max`. */
function ticks(max, count = 5) {
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw || 1));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  return Array.from({ length: Math.ceil(max / step) + 1 }, (_, i) => i * step);
}

const escapeXml = (text) => String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;");

/** One panel: `series` are `{name, points: [[minutes, value]]}`; returns SVG elements. */
function panel({ top, title, unit, series, minutes, windowMinutes }) {
  const left = MARGIN.left;
  const width = WIDTH - MARGIN.left - MARGIN.right;
  const values = series.flatMap((s) => s.points.map(([, v]) => v)).filter(Number.isFinite);
  const yTicks = ticks(Math.max(1, ...values) * 1.05);
  const yMax = yTicks[yTicks.length - 1];
  const x = (m) => left + (m / minutes) * width;
  const y = (v) => top + PANEL_HEIGHT - (v / yMax) * PANEL_HEIGHT;
  const out = [
    `<text x="${left}" y="${top - 14}" class="title">${escapeXml(title)}</text>`,
    `<rect x="${left}" y="${top}" width="${width}" height="${PANEL_HEIGHT}" class="frame"/>`,
  ];
  for (const v of yTicks) {
    out.push(`<line x1="${left}" x2="${left + width}" y1="${y(v)}" y2="${y(v)}" class="grid"/>`);
    out.push(`<text x="${left - 8}" y="${y(v) + 4}" class="tick" text-anchor="end">${v}</text>`);
  }
  out.push(
    `<text transform="translate(${left - 58},${top + PANEL_HEIGHT / 2}) rotate(-90)" class="axis" text-anchor="middle">${escapeXml(unit)}</text>`,
  );
  for (const m of ticks(minutes, Math.min(10, Math.max(1, Math.round(minutes))))) {
    if (m > minutes) continue;
    out.push(
      `<text x="${x(m)}" y="${top + PANEL_HEIGHT + 18}" class="tick" text-anchor="middle">${m}</text>`,
    );
  }
  for (let m = windowMinutes; m < minutes; m += windowMinutes) {
    out.push(`<line x1="${x(m)}" x2="${x(m)}" y1="${top}" y2="${top + PANEL_HEIGHT}" class="window"/>`);
  }
  out.push(
    `<text x="${left + width / 2}" y="${top + PANEL_HEIGHT + 38}" class="axis" text-anchor="middle">minutes since start</text>`,
  );
  for (const [i, s] of series.entries()) {
    const path = s.points
      .filter(([, v]) => Number.isFinite(v))
      .map(([m, v], j) => `${j === 0 ? "M" : "L"}${x(m).toFixed(1)},${y(v).toFixed(1)}`)
      .join("");
    const color = COLORS[i % COLORS.length];
    out.push(`<path d="${path}" stroke="${color}" class="line"/>`);
    const ly = top + 20 + i * 22;
    out.push(
      `<line x1="${left + width + 16}" x2="${left + width + 40}" y1="${ly}" y2="${ly}" stroke="${color}" class="line"/>`,
    );
    out.push(`<text x="${left + width + 46}" y="${ly + 4}" class="legend">${escapeXml(s.name)}</text>`);
  }
  return out.join("\n");
}

/**
 * The plot as SVG text. `memory` and `latency` are series for the two panels; `title` heads it.
 */
export function soakSvg({ title, memory, latency, minutes, windowMinutes }) {
  const height = MARGIN.top + 2 * PANEL_HEIGHT + MARGIN.gap + MARGIN.bottom + 20;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}">
<style>
  text { font-family: "DejaVu Sans", sans-serif; fill: #222; }
  .heading { font-size: 18px; font-weight: bold; }
  .title { font-size: 15px; font-weight: bold; }
  .tick { font-size: 12px; fill: #555; }
  .axis, .legend { font-size: 13px; }
  .frame { fill: none; stroke: #999; }
  .grid { stroke: #e4e4e4; }
  .window { stroke: #bbb; stroke-dasharray: 4 4; }
  .line { fill: none; stroke-width: 2; }
</style>
<rect width="100%" height="100%" fill="white"/>
<text x="${MARGIN.left}" y="26" class="heading">${escapeXml(title)}</text>
${panel({ top: MARGIN.top + 10, title: "Resident memory (VmRSS)", unit: "MiB", series: memory, minutes, windowMinutes })}
${panel({
  top: MARGIN.top + 10 + PANEL_HEIGHT + MARGIN.gap + 20,
  title: "API latency, p95 of the calls in the last 60 s",
  unit: "ms",
  series: latency,
  minutes,
  windowMinutes,
})}
</svg>`;
}

/** Writes `svg` to `pngPath` as a PNG, rendered by Chromium at its own size. */
export async function renderPng(svg, pngPath) {
  const browser = await chromium.launch({
    executablePath: process.env.VIGIL_CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  try {
    const width = Number(/width="(\d+)"/.exec(svg)[1]);
    const height = Number(/height="(\d+)"/.exec(svg)[1]);
    const page = await browser.newPage({ viewport: { width, height } });
    await page.setContent(`<!doctype html><html><body style="margin:0">${svg}</body></html>`);
    await page.screenshot({ path: pngPath, clip: { x: 0, y: 0, width, height } });
  } finally {
    await browser.close();
  }
}
