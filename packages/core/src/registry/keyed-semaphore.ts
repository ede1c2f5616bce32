/**
 * A counting semaphore per key (a registry host): at most `permits` holders per key at once,
 * waiters served first come, first served. Keys are independent, so a slow host never holds
 * back another. A key's state is dropped when nobody holds or waits for it, so a process that
 * meets many hosts keeps no memory of the idle ones.
 */

/** Gives a permit back; calling it more than once gives it back once. */
export type ReleasePermit = () => void;

interface Waiter {
  readonly grant: (release: ReleasePermit) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

interface KeyState {
  held: number;
  readonly waiters: Waiter[];
}

/** See the module comment. */
export class KeyedSemaphore {
  private readonly keys = new Map<string, KeyState>();

  constructor(readonly permits: number) {
    if (!Number.isInteger(permits) || permits < 1) {
      throw new RangeError(`a semaphore needs a whole number of permits of at least 1, not ${permits}`);
    }
  }

  /**
   * Wait for a permit for `key`. Rejects with the signal's reason when `signal` aborts first
   * (the place in the queue is given up; no permit is taken).
   */
  acquire(key: string, signal?: AbortSignal): Promise<ReleasePermit> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const state = this.stateOf(key);
    if (state.held < this.permits && state.waiters.length === 0) {
      state.held++;
      return Promise.resolve(this.releaser(key, state));
    }
    return new Promise<ReleasePermit>((resolve, reject) => {
      const waiter: Waiter = {
        grant: resolve,
        signal,
        onAbort: () => {
          const i = state.waiters.indexOf(waiter);
          if (i >= 0) state.waiters.splice(i, 1);
          this.dropIfIdle(key, state);
          reject(abortReason(signal!));
        },
      };
      state.waiters.push(waiter);
      signal?.addEventListener("abort", waiter.onAbort, { once: true });
    });
  }

  /** Permits of `key` held now (for tests and diagnostics). */
  held(key: string): number {
    return this.keys.get(key)?.held ?? 0;
  }

  /** Requests waiting for a permit of `key` now. */
  waiting(key: string): number {
    return this.keys.get(key)?.waiters.length ?? 0;
  }

  private stateOf(key: string): KeyState {
    let state = this.keys.get(key);
    if (!state) {
      state = { held: 0, waiters: [] };
      this.keys.set(key, state);
    }
    return state;
  }

  private releaser(key: string, state: KeyState): ReleasePermit {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = state.waiters.shift();
      if (next) {
        // The permit passes straight to the next waiter: `held` stays the same.
        next.signal?.removeEventListener("abort", next.onAbort);
        next.grant(this.releaser(key, state));
        return;
      }
      state.held--;
      this.dropIfIdle(key, state);
    };
  }

  private dropIfIdle(key: string, state: KeyState): void {
    if (state.held === 0 && state.waiters.length === 0 && this.keys.get(key) === state) this.keys.delete(key);
  }
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("This operation was aborted", "AbortError");
}
