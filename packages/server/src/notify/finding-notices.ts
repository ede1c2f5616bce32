import { findingKey, type ReconcileFindingsResult } from "@vigil/core";
import type { FindingRecord } from "../store/finding-record.js";
import type { FindingNotice } from "./notification-event.js";

/**
 * What a reconcile changed that notifications report, from the records it WROTE (so the ids,
 * severity and KEV flag are the stored ones): `created` and `reopened` findings, and findings
 * detected again whose KEV flag went from false to true (their CVE entered the catalog).
 * Transitions whose record was not written (a re-match leaves unchanged findings alone) say
 * nothing.
 */
export function findingNoticesOf(
  reconciled: ReconcileFindingsResult,
  stored: readonly FindingRecord[],
  written: readonly FindingRecord[],
): FindingNotice[] {
  const writtenByKey = new Map(written.map((record) => [findingKey(record.identity), record]));
  const storedByKey = new Map(stored.map((record) => [findingKey(record.identity), record]));
  const notices: FindingNotice[] = [];
  for (const transition of reconciled.transitions) {
    const record = writtenByKey.get(transition.key);
    if (!record) continue;
    if (transition.kind === "created" || transition.kind === "reopened") {
      notices.push(noticeOf(transition.kind, record));
    } else if (transition.kind === "still-detected" && record.kev && !storedByKey.get(transition.key)?.kev) {
      notices.push(noticeOf("kev", record));
    }
  }
  return notices;
}

function noticeOf(change: FindingNotice["change"], record: FindingRecord): FindingNotice {
  const { identity, details } = record;
  return {
    change,
    id: record.id,
    advisoryId: identity.advisoryId,
    aliases: details.aliases,
    severity: details.severity.level,
    kev: record.kev,
    clusterId: identity.clusterId,
    namespace: identity.namespace,
    workloadKind: identity.workloadKind,
    workloadName: identity.workloadName,
    containerName: identity.containerName,
    packageName: identity.packageName,
    installedVersion: details.packageVersion,
    ...(details.fixedVersion !== undefined ? { fixedVersion: details.fixedVersion } : {}),
    image: details.image,
    imageDigest: details.imageDigest,
  };
}
