import { CvssError, type CvssVector, type CvssVersion } from "./cvss-vector.js";

/** One metric of a version's vector grammar. */
export interface MetricDefinition {
  /** The metric's name in the specification, for messages (`Attack Vector`). */
  readonly name: string;
  /** The value abbreviations the specification allows, `X` / `ND` included where they exist. */
  readonly values: readonly string[];
  /** Base metrics are mandatory; all others are optional. */
  readonly base: boolean;
}

/** A version's vector grammar: metric abbreviation → definition, base metrics first, in the specification's order. */
export type MetricDefinitions = Readonly<Record<string, MetricDefinition>>;

/** The one readonly argument of {@link parseMetrics}. */
export interface ParseMetricsInput {
  /** The whole vector string, for the result and for error messages. */
  readonly vector: string;
  readonly version: CvssVersion;
  /** The part after the version prefix: `AV:N/AC:L/...`. */
  readonly body: string;
  readonly definitions: MetricDefinitions;
  /** Appended to the reason when a metric is unknown to this version but names one of another. */
  readonly foreignMetricHint?: (metric: string) => string | undefined;
}

/**
 * Parses the `metric:value/metric:value` part every CVSS version shares. Strict where the
 * specifications are (known metrics only, each at most once, allowed values only, every base
 * metric present, case-sensitive) and nowhere else: the order of the metrics is not checked,
 * because an order-only difference is unambiguous and vendors do reorder (FIRST's own v4.0
 * examples document shows a vector out of the canonical order).
 */
export function parseMetrics(input: ParseMetricsInput): CvssVector | CvssError {
  const { vector, version, body, definitions } = input;
  if (body === "") return new CvssError(vector, "no metrics after the version prefix");
  const metrics: Record<string, string> = {};
  const parts = body.split("/");
  for (const [index, part] of parts.entries()) {
    if (part === "") {
      const where = index === parts.length - 1 ? "a trailing" : "a doubled";
      return new CvssError(vector, `empty metric (${where} "/")`);
    }
    const colon = part.indexOf(":");
    if (colon <= 0) return new CvssError(vector, `${JSON.stringify(part)} is not metric:value`);
    const metric = part.slice(0, colon);
    const value = part.slice(colon + 1);
    const definition = Object.hasOwn(definitions, metric) ? definitions[metric] : undefined;
    if (definition === undefined) {
      const hint = input.foreignMetricHint?.(metric);
      return new CvssError(vector, `unknown metric ${metric} for CVSS ${version}${hint ? `; ${hint}` : ""}`, {
        metric,
      });
    }
    if (Object.hasOwn(metrics, metric))
      return new CvssError(vector, `duplicate metric ${metric}`, { metric });
    if (!definition.values.includes(value)) {
      return new CvssError(
        vector,
        `invalid value ${JSON.stringify(value)} for metric ${metric} (${definition.name}); ` +
          `allowed: ${definition.values.join(", ")}`,
        { metric },
      );
    }
    metrics[metric] = value;
  }
  for (const [metric, definition] of Object.entries(definitions)) {
    if (definition.base && !Object.hasOwn(metrics, metric)) {
      return new CvssError(vector, `missing base metric ${metric} (${definition.name})`, { metric });
    }
  }
  return { version, vector, metrics };
}

/** The value of a metric the parser guaranteed to be present (a base metric). */
export function baseValue(vector: CvssVector, metric: string): string {
  const value = vector.metrics[metric];
  if (value === undefined) throw new Error(`CVSS ${vector.version} vector lacks base metric ${metric}`);
  return value;
}

/** Looks up a weight; the parser guaranteed the value is one the table holds. */
export function weight(table: Readonly<Record<string, number>>, value: string): number {
  const found = table[value];
  if (found === undefined) throw new Error(`no weight for metric value ${value}`);
  return found;
}
