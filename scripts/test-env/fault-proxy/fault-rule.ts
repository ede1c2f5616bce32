import type { Fault } from "./fault.js";

/**
 * Which requests a fault applies to: a method (any when absent), a regular expression tested
 * against the request target (path and query, e.g. `/v2/vigil/alpine-3.10/blobs/sha256:…` or
 * `/api/v1/namespaces/shop/pods?limit=500&continue=…`), and how many matching requests get
 * it: the first `times`, or all of them (`"always"`, the default). Later matches pass through
 * untouched, which is how a fault that heals after a few retries is written.
 */
export interface FaultRule {
  /** Shown in counts and failures; default `<METHOD> <path>`. */
  readonly name?: string;
  /** `GET`, `HEAD` …; any method when absent. */
  readonly method?: string;
  /** Tested against the request target (path and query). */
  readonly path: RegExp;
  /** How many matching requests get the fault; default `"always"`. */
  readonly times?: number | "always";
  readonly fault: Fault;
}

/** A rule as the proxy holds it: how often it matched and how often its fault was injected. */
export interface ActiveRule {
  readonly rule: FaultRule;
  readonly name: string;
  /** Matching requests seen so far (injected or let through after `times`). */
  matched: number;
  /** Requests the fault was applied to. */
  injected: number;
  /** When each matching request arrived (`performance.now()`), to check a client's waits. */
  readonly matchedAt: number[];
}

/** Wraps rules for counting; names default to `<METHOD> <path regexp>`. */
export function activateRules(rules: readonly FaultRule[]): ActiveRule[] {
  return rules.map((rule) => ({
    rule,
    name: rule.name ?? `${rule.method ?? "*"} ${rule.path.source} ${rule.fault.kind}`,
    matched: 0,
    injected: 0,
    matchedAt: [],
  }));
}

/**
 * The first rule that matches the request and still has injections left, counted as
 * matched and injected; `undefined` when the request passes through. A rule whose `times`
 * are used up still counts its matches, so a test can tell "healed" from "never asked".
 */
export function takeRule(
  rules: readonly ActiveRule[],
  method: string,
  target: string,
): ActiveRule | undefined {
  let chosen: ActiveRule | undefined;
  for (const active of rules) {
    const { rule } = active;
    if (rule.method !== undefined && rule.method.toUpperCase() !== method.toUpperCase()) continue;
    rule.path.lastIndex = 0; // a /g or /y regexp keeps state between tests
    if (!rule.path.test(target)) continue;
    active.matched++;
    active.matchedAt.push(performance.now());
    const times = rule.times ?? "always";
    if (chosen === undefined && (times === "always" || active.injected < times)) {
      active.injected++;
      chosen = active;
    }
  }
  return chosen;
}
