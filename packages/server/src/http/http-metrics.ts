import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

/** The server's Prometheus metrics, on a registry of its own (no global state). */
export interface HttpMetrics {
  readonly registry: Registry;
  readonly requests: Counter<"method" | "route" | "status">;
  readonly duration: Histogram<"method" | "route">;
}

/** Metrics with the process defaults (memory, event loop lag, GC) and per-route HTTP counters. */
export function createHttpMetrics(): HttpMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "vigil_" });
  return {
    registry,
    requests: new Counter({
      name: "vigil_http_requests_total",
      help: "HTTP requests answered, by method, route pattern and status.",
      labelNames: ["method", "route", "status"],
      registers: [registry],
    }),
    duration: new Histogram({
      name: "vigil_http_request_duration_seconds",
      help: "HTTP request latency, by method and route pattern.",
      labelNames: ["method", "route"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
  };
}
