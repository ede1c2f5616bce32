import type { OpenImageSourceOptions } from "@vigil/core";
import type { Logger } from "pino";
import type { KeyedLock } from "./keyed-lock.js";
import type { ScanStores } from "./scan-stores.js";

/** The time source of the scan runtime; injected so that tests control every timestamp. */
export interface ScanClock {
  now(): Date;
}

/**
 * How the server reaches registries when it pulls images: the pods' pull secrets always come
 * first; these add trust and transport settings (and, when asked for, a Docker config), and
 * the per-host limits every scan of the process shares (`registryLimits`; default ones are
 * created by the runner when absent).
 */
export type ScanRegistryOptions = Pick<
  OpenImageSourceOptions,
  | "platform"
  | "insecureRegistries"
  | "plainHttpForLoopback"
  | "registryConfigFile"
  | "caFile"
  | "retry"
  | "timeouts"
  | "httpClient"
  | "createHttpClient"
  | "registryLimits"
>;

/** What every part of the scan runtime shares. */
export interface ScanContext {
  readonly stores: ScanStores;
  readonly clock: ScanClock;
  /** A new id for a scan or a finding. */
  readonly newId: () => string;
  readonly logger: Logger;
  /** One findings step per cluster at a time (scans and advisory-update re-matches). */
  readonly findingsLock: KeyedLock;
}
