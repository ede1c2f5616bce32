/**
 * A token bucket of bytes: it fills at `bytesPerSecond` up to `burstBytes`, and a reader takes
 * as many tokens as bytes it passes on. A take larger than what the bucket holds is granted
 * on credit (the bucket goes below zero) and its caller waits until the debt is paid back, so
 * chunks of any size work and the long-run rate is exact. Every reader of one bucket shares
 * its rate: a second reader sees the first one's debt and waits behind it.
 */
import { abortableSleep } from "./retry-policy.js";

/** Options of {@link TokenBucket}. */
export interface TokenBucketOptions {
  readonly bytesPerSecond: number;
  /** What the bucket holds when full (the largest burst); default a tenth of a second's worth. */
  readonly burstBytes?: number;
  /** Milliseconds on a monotonic clock; default `performance.now`. */
  readonly now?: () => number;
}

/** See the module comment. */
export class TokenBucket {
  readonly bytesPerSecond: number;
  readonly burstBytes: number;
  private readonly now: () => number;
  private tokens: number;
  private refilledAt: number;

  constructor(options: TokenBucketOptions) {
    const { bytesPerSecond } = options;
    if (!Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) {
      throw new RangeError(`a token bucket needs a positive rate, not ${bytesPerSecond} bytes/s`);
    }
    this.bytesPerSecond = bytesPerSecond;
    this.burstBytes = Math.max(1, options.burstBytes ?? Math.ceil(bytesPerSecond / 10));
    this.now = options.now ?? (() => performance.now());
    this.tokens = this.burstBytes;
    this.refilledAt = this.now();
  }

  /**
   * Take `bytes` tokens and return how many milliseconds the caller must wait before passing
   * those bytes on (0 when the bucket held enough).
   */
  take(bytes: number): number {
    this.refill();
    this.tokens -= bytes;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.bytesPerSecond) * 1000;
  }

  /** Give back tokens taken for bytes that were never passed on (an aborted wait). */
  giveBack(bytes: number): void {
    this.refill();
    this.tokens = Math.min(this.burstBytes, this.tokens + bytes);
  }

  /** Take `bytes` tokens and wait until they are paid for; an abort gives them back and rejects. */
  async wait(bytes: number, signal?: AbortSignal): Promise<void> {
    const ms = this.take(bytes);
    if (ms <= 0) return;
    try {
      await abortableSleep(ms, signal);
    } catch (error) {
      this.giveBack(bytes);
      throw error;
    }
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(
      this.burstBytes,
      this.tokens + ((now - this.refilledAt) / 1000) * this.bytesPerSecond,
    );
    this.refilledAt = now;
  }
}
