import { KeyedSemaphore, type ReleasePermit } from "./keyed-semaphore.js";
import { TokenBucket } from "./token-bucket.js";

/**
 * What one process may ask of each registry host, shared by everything it pulls (every scan,
 * every worker in the process): at most `concurrencyPerHost` requests in flight, and response
 * bodies read at no more than `bytesPerSecondPerHost`. Hosts are limited independently. A
 * request holds its permit from the moment it is sent until its body has been read to the end
 * or destroyed, so the bound counts what the registry is actually serving: blob downloads
 * (which hold their permit for the whole transfer) and manifests and tokens alike. Applied by
 * {@link createLimitedHttpClient}; created once per process by the CLI and the server, since
 * core keeps no global state.
 */

/** Options of {@link createRegistryLimits}. */
export interface RegistryLimitsOptions {
  /** Requests in flight per registry host; default {@link DEFAULT_REGISTRY_CONCURRENCY_PER_HOST}. */
  readonly concurrencyPerHost?: number;
  /** Bytes per second of response bodies per registry host; default no cap. */
  readonly bytesPerSecondPerHost?: number;
}

/**
 * Default requests in flight per registry host: two image scans of two layers each at once,
 * which is what a scan runs by default, and well under the registries' usual per-client caps.
 */
export const DEFAULT_REGISTRY_CONCURRENCY_PER_HOST = 4;

/** See the module comment. */
export class RegistryLimits {
  readonly concurrencyPerHost: number;
  readonly bytesPerSecondPerHost: number | undefined;
  private readonly permits: KeyedSemaphore;
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(options: RegistryLimitsOptions = {}) {
    this.concurrencyPerHost = options.concurrencyPerHost ?? DEFAULT_REGISTRY_CONCURRENCY_PER_HOST;
    if (!Number.isInteger(this.concurrencyPerHost) || this.concurrencyPerHost < 1) {
      throw new RangeError(
        `registry concurrency per host must be a whole number of at least 1, not ${this.concurrencyPerHost}`,
      );
    }
    const rate = options.bytesPerSecondPerHost;
    if (rate !== undefined && !(Number.isFinite(rate) && rate > 0)) {
      throw new RangeError(
        `registry bandwidth per host must be a positive number of bytes per second, not ${rate}`,
      );
    }
    this.bytesPerSecondPerHost = rate;
    this.permits = new KeyedSemaphore(this.concurrencyPerHost);
  }

  /** Wait for a request permit of `host` (`host[:port]`); rejects when `signal` aborts first. */
  acquire(host: string, signal?: AbortSignal): Promise<ReleasePermit> {
    return this.permits.acquire(host, signal);
  }

  /** The bucket every body from `host` shares, or undefined without a bandwidth cap. */
  bucketFor(host: string): TokenBucket | undefined {
    if (this.bytesPerSecondPerHost === undefined) return undefined;
    let bucket = this.buckets.get(host);
    if (!bucket) {
      bucket = new TokenBucket({ bytesPerSecond: this.bytesPerSecondPerHost });
      this.buckets.set(host, bucket);
    }
    return bucket;
  }

  /** Requests of `host` in flight now (permits held). */
  inFlight(host: string): number {
    return this.permits.held(host);
  }

  /** Requests of `host` waiting for a permit now. */
  waiting(host: string): number {
    return this.permits.waiting(host);
  }
}

/** Create the limits a process shares among all its pulls. */
export function createRegistryLimits(options: RegistryLimitsOptions = {}): RegistryLimits {
  return new RegistryLimits(options);
}
