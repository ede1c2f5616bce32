import type { FinishedRematch, FinishedScan } from "./event-builders.js";

/**
 * Where the scan runtime reports what it committed, for notifications. Both calls return at
 * once and never throw: the sink does its writing in the background, so a slow database write
 * or a slow webhook never holds up a scan.
 */
export interface ScanEventSink {
  /** A cluster scan finished (after its findings transaction and its status were stored). */
  scanFinished(scan: FinishedScan): void;
  /** An advisory update's re-match finished (after every findings transaction committed). */
  rematched(rematch: FinishedRematch): void;
}
