import type { ScanEventSink } from "../notify/scan-event-sink.js";
import { createKeyedLock } from "./keyed-lock.js";
import type { RematchOptions, RematchReport } from "./rematch-stored-images.js";
import { rematchWithEvents } from "./rematch-with-events.js";
import type { ScanContext } from "./scan-context.js";

/** Re-matches of one process: one at a time, all stopped with the process. */
export interface RematchRunner {
  /** Re-matches stored inventories (`rematchWithEvents`); a second call waits for the first. */
  rematch(options?: RematchOptions): Promise<RematchReport>;
  /** Aborts the re-match in progress (and those waiting) and resolves when they have ended. */
  stop(): Promise<void>;
}

/** The re-matches of the in-process runner and of the queue mode's scan service alike. */
export function createRematchRunner(context: ScanContext, events: ScanEventSink | undefined): RematchRunner {
  const lock = createKeyedLock();
  const stopController = new AbortController();
  const running = new Set<Promise<unknown>>();
  return {
    rematch(options = {}) {
      const signal = options.signal
        ? AbortSignal.any([options.signal, stopController.signal])
        : stopController.signal;
      const work = lock.run("rematch", () => rematchWithEvents(context, { ...options, signal }, events));
      running.add(work);
      void work.then(
        () => running.delete(work),
        () => running.delete(work),
      );
      return work;
    },

    async stop() {
      stopController.abort(new Error("the server is stopping"));
      await Promise.allSettled([...running]);
    },
  };
}
