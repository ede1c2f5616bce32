import type { FindingNotice } from "../notify/notification-event.js";
import type { ScanEventSink } from "../notify/scan-event-sink.js";
import { type RematchOptions, type RematchReport, rematchStoredImages } from "./rematch-stored-images.js";
import type { ScanContext } from "./scan-context.js";

/**
 * `rematchStoredImages`, then tells `events` what its findings transactions committed. What
 * committed is told even when a later step fails: those findings are stored.
 */
export async function rematchWithEvents(
  context: ScanContext,
  options: RematchOptions,
  events: ScanEventSink | undefined,
): Promise<RematchReport> {
  if (!events) return rematchStoredImages(context, options);
  const committed: FindingNotice[] = [];
  let revision = "";
  try {
    return await rematchStoredImages(context, {
      ...options,
      committed: (notices, matchedWith) => {
        committed.push(...notices);
        revision = matchedWith;
      },
    });
  } finally {
    if (committed.length > 0) events.rematched({ revision, notices: committed });
  }
}
