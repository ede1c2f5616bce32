// Percentiles of latencies and medians of memory samples for the soak's windows.

/** The nearest-rank percentile `p` (0–100) of `values`; undefined for none. */
export function percentile(values, p) {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/** The median (50th percentile, nearest rank) of `values`. */
export const medianOf = (values) => percentile(values, 50);
