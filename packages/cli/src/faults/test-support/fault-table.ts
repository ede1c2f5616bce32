/**
 * The fault suite's result table: for each fault what was expected and what was observed,
 * printed at the end of the suite and written to `test-output/fault-table.md` so that
 * docs/faults.md can quote the last measurement.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** One fault's line. */
export interface FaultRow {
  readonly fault: string;
  readonly expected: string;
  readonly observed: string;
  readonly ok: boolean;
  /** From the fault's start to the scan's end, seconds. */
  readonly seconds: number;
}

const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");

/** The rows as a Markdown table. */
export function faultTableMarkdown(rows: readonly FaultRow[]): string {
  const lines = [
    "| fault | expected | observed | ok | s |",
    "| --- | --- | --- | --- | --- |",
    ...rows.map(
      (r) =>
        `| ${cell(r.fault)} | ${cell(r.expected)} | ${cell(r.observed)} | ${r.ok ? "yes" : "**NO**"} | ${r.seconds.toFixed(1)} |`,
    ),
  ];
  return `${lines.join("\n")}\n`;
}

/** Writes the table to `file` (directories made) and returns its text. */
export function writeFaultTable(file: string, rows: readonly FaultRow[]): string {
  const text = faultTableMarkdown(rows);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return text;
}
