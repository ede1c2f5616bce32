import type { SyncItem, SyncProblem } from "../../source.js";
import { isCveId } from "../shared/vulnerability-id.js";

/** One score as Vigil keeps it. */
export type EpssItem = Extract<SyncItem, { kind: "epss" }>;

/**
 * The content is not an EPSS score file (no `cve,epss,percentile` header). Thrown rather than
 * reported: an empty snapshot would delete every score.
 */
export class EpssFormatError extends Error {
  override readonly name = "EpssFormatError";
}

/** What the `#model_version:…,score_date:…` line says. */
export interface EpssMetadata {
  readonly modelVersion?: string;
  /** `YYYY-MM-DD` */
  readonly scoreDate?: string;
}

/**
 * A line-by-line reader of FIRST's daily EPSS file (https://www.first.org/epss/data_stats,
 * `https://epss.cyentia.com/epss_scores-YYYY-MM-DD.csv.gz`): an optional comment line
 * `#model_version:v2025.03.14,score_date:2025-08-25T00:00:00+0000`, the header
 * `cve,epss,percentile` (columns found by name), then one row per CVE. A bad row is a problem
 * naming its line; rows go out as they are read, so the ~300k-row file is never held whole.
 */
export class EpssReader {
  private metadata: { modelVersion?: string; scoreDate?: string } = {};
  private columns?: { cve: number; epss: number; percentile: number; width: number };
  private date?: string;
  private readonly seen = new Set<string>();

  /**
   * @param location where the lines come from, for problems
   * @param fallbackDate the date to stamp scores with when the file names none: the date in
   *   the file name (`epss_scores-2025-08-25.csv.gz`), else the sync's date
   */
  constructor(
    private readonly location: string,
    private readonly fallbackDate: string,
  ) {}

  /** The file's metadata, once its header was read. */
  get info(): EpssMetadata {
    return this.metadata;
  }

  /** Read one line; returns the score or problem it holds, if any. */
  line(
    text: string,
    line: number,
  ): EpssItem | { readonly kind: "problem"; readonly problem: SyncProblem } | undefined {
    const trimmed = text.trim();
    if (trimmed === "") return undefined;
    if (!this.columns) {
      if (trimmed.startsWith("#")) {
        this.readComment(trimmed.slice(1));
        return undefined;
      }
      this.readHeader(trimmed, line);
      return undefined;
    }
    const problem = (reason: string, id?: string) => ({
      kind: "problem" as const,
      problem: {
        ...(id ? { id } : {}),
        location: `${this.location}:${line}`,
        reason: `line ${line}: ${reason}; skipped`,
      },
    });
    if (trimmed.startsWith("#")) return undefined;
    const fields = trimmed.split(",").map((f) => f.trim());
    const { cve: cveAt, epss: epssAt, percentile: percentileAt, width } = this.columns;
    if (fields.length < width) return problem(`expected ${width} fields, found ${fields.length}`);
    const cve = fields[cveAt]!;
    if (!isCveId(cve)) return problem(`${JSON.stringify(cve)} is not a CVE id`);
    const score = probability(fields[epssAt]!);
    if (score === undefined)
      return problem(`epss ${JSON.stringify(fields[epssAt])} is not a number from 0 to 1`, cve);
    const percentile = probability(fields[percentileAt]!);
    if (percentile === undefined) {
      return problem(`percentile ${JSON.stringify(fields[percentileAt])} is not a number from 0 to 1`, cve);
    }
    if (this.seen.has(cve)) return problem(`${cve} is listed twice; the first row is kept`, cve);
    this.seen.add(cve);
    return { kind: "epss", cve, score, percentile, date: this.date! };
  }

  /** Call after the last line: a file without a header is not an EPSS file. */
  end(): void {
    if (!this.columns)
      throw new EpssFormatError(`${this.location} holds no EPSS header (cve,epss,percentile)`);
  }

  private readComment(text: string): void {
    for (const pair of text.split(",")) {
      const colon = pair.indexOf(":");
      if (colon < 0) continue;
      const key = pair.slice(0, colon).trim();
      const value = pair.slice(colon + 1).trim();
      if (key === "model_version" && value) this.metadata = { ...this.metadata, modelVersion: value };
      if (key === "score_date" && /^\d{4}-\d{2}-\d{2}/.test(value)) {
        this.metadata = { ...this.metadata, scoreDate: value.slice(0, 10) };
      }
    }
  }

  private readHeader(text: string, line: number): void {
    const names = text.split(",").map((n) => n.trim().toLowerCase());
    const cve = names.indexOf("cve");
    const epss = names.indexOf("epss");
    const percentile = names.indexOf("percentile");
    if (cve < 0 || epss < 0 || percentile < 0) {
      throw new EpssFormatError(
        `${this.location} is not an EPSS score file: line ${line} should be the header cve,epss,percentile, found ${JSON.stringify(text.slice(0, 80))}`,
      );
    }
    this.columns = { cve, epss, percentile, width: Math.max(cve, epss, percentile) + 1 };
    this.date = this.metadata.scoreDate ?? this.fallbackDate;
  }
}

/** A decimal in [0, 1] (`0.00043`, `1`, `4.3e-4`); anything else is undefined. */
function probability(text: string): number | undefined {
  if (!/^(\d+(\.\d*)?|\.\d+)(e[-+]?\d+)?$/i.test(text)) return undefined;
  const value = Number(text);
  return value >= 0 && value <= 1 ? value : undefined;
}
