import { setTimeout as sleep } from "node:timers/promises";
import type { Fault } from "./fault.js";

/** Holds the request `ms` milliseconds before forwarding it; the answer is passed on unchanged. */
export function latency(ms: number): Fault {
  return {
    kind: `latency ${ms} ms`,
    async apply(exchange) {
      await sleep(ms);
      exchange.pass(await exchange.forward());
    },
  };
}
