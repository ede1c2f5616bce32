import { compareSeverity, type SeverityLevel } from "@vigil/core";
import {
  type AdvisoryImpact,
  EVENT_LIST_LIMIT,
  type FindingNotice,
  type NotificationEvent,
  type NotifiedFinding,
  type ScanFailure,
} from "./notification-event.js";

/** What a cluster scan ended with, as the runner recorded it. */
export interface FinishedScan {
  readonly scanId: string;
  readonly clusterId: string;
  readonly status: string;
  readonly error?: string;
  readonly failures?: readonly ScanFailure[];
  /** What its committed findings transaction changed; empty when nothing was stored. */
  readonly notices: readonly FindingNotice[];
}

/** What an advisory update's re-match committed. */
export interface FinishedRematch {
  readonly revision: string;
  readonly notices: readonly FindingNotice[];
}

/** Ids and time of the events built. */
export interface EventStamp {
  readonly newId: () => string;
  readonly at: string;
}

/**
 * The events of one finished cluster scan: `findings.new` for its created and reopened
 * findings (every severity: each webhook filters by its own minimum), `finding.kev` for those
 * KEV-listed, `scan.failed` when it failed or finished partial.
 */
export function eventsOfScan(scan: FinishedScan, stamp: EventStamp): NotificationEvent[] {
  const events: NotificationEvent[] = [];
  const added = scan.notices.filter(isAdded);
  if (added.length > 0) {
    events.push({
      type: "findings.new",
      id: stamp.newId(),
      at: stamp.at,
      scanId: scan.scanId,
      clusterId: scan.clusterId,
      counts: countsBySeverity(added),
      findings: [...added].sort(mostSevereFirst).slice(0, EVENT_LIST_LIMIT),
    });
  }
  const kev = kevEvent(scan.notices, stamp, scan.scanId);
  if (kev) events.push(kev);
  if (scan.status === "failed" || scan.status === "partial") {
    const failures = scan.failures ?? [];
    events.push({
      type: "scan.failed",
      id: stamp.newId(),
      at: stamp.at,
      scanId: scan.scanId,
      clusterId: scan.clusterId,
      status: scan.status,
      ...(scan.error !== undefined ? { error: scan.error } : {}),
      failureCount: failures.length,
      failures: failures
        .slice(0, EVENT_LIST_LIMIT)
        .map(({ scope, subject, reason }) => ({ scope, subject, reason })),
    });
  }
  return events;
}

/**
 * The events of a re-match: `advisory.affects` with, per advisory that added findings, how
 * many workloads in how many clusters it now affects (counted from the created and reopened
 * findings, so a workload already known to be affected is not counted again), and
 * `finding.kev` for findings that appeared KEV-listed.
 */
export function eventsOfRematch(rematch: FinishedRematch, stamp: EventStamp): NotificationEvent[] {
  const events: NotificationEvent[] = [];
  const impacts = advisoryImpactsOf(rematch.notices.filter(isAdded));
  if (impacts.length > 0) {
    events.push({
      type: "advisory.affects",
      id: stamp.newId(),
      at: stamp.at,
      revision: rematch.revision,
      advisories: impacts.slice(0, EVENT_LIST_LIMIT),
      totalAdvisories: impacts.length,
    });
  }
  const kev = kevEvent(rematch.notices, stamp);
  if (kev) events.push(kev);
  return events;
}

/** Per advisory: the findings added, and the distinct workloads and clusters they are in. */
export function advisoryImpactsOf(added: readonly NotifiedFinding[]): AdvisoryImpact[] {
  const byAdvisory = new Map<
    string,
    { first: NotifiedFinding; kev: boolean; findings: number; workloads: Set<string>; clusters: Set<string> }
  >();
  for (const finding of added) {
    let entry = byAdvisory.get(finding.advisoryId);
    if (!entry) {
      entry = { first: finding, kev: false, findings: 0, workloads: new Set(), clusters: new Set() };
      byAdvisory.set(finding.advisoryId, entry);
    }
    entry.findings++;
    entry.kev ||= finding.kev;
    if (compareSeverity(finding.severity, entry.first.severity) > 0) entry.first = finding;
    entry.workloads.add(
      JSON.stringify([finding.clusterId, finding.namespace, finding.workloadKind, finding.workloadName]),
    );
    entry.clusters.add(finding.clusterId);
  }
  return [...byAdvisory.values()]
    .map(
      (e): AdvisoryImpact => ({
        advisoryId: e.first.advisoryId,
        aliases: e.first.aliases,
        severity: e.first.severity,
        kev: e.kev,
        findings: e.findings,
        workloads: e.workloads.size,
        clusters: e.clusters.size,
      }),
    )
    .sort(
      (a, b) =>
        compareSeverity(b.severity, a.severity) ||
        b.workloads - a.workloads ||
        (a.advisoryId < b.advisoryId ? -1 : a.advisoryId > b.advisoryId ? 1 : 0),
    );
}

function kevEvent(
  notices: readonly FindingNotice[],
  stamp: EventStamp,
  scanId?: string,
): NotificationEvent | undefined {
  const kev = notices.filter((n) => n.kev);
  if (kev.length === 0) return undefined;
  return {
    type: "finding.kev",
    id: stamp.newId(),
    at: stamp.at,
    ...(scanId !== undefined ? { scanId } : {}),
    total: kev.length,
    findings: [...kev].sort(mostSevereFirst).slice(0, EVENT_LIST_LIMIT),
  };
}

function isAdded(notice: FindingNotice): notice is NotifiedFinding {
  return notice.change === "created" || notice.change === "reopened";
}

function countsBySeverity(findings: readonly NotifiedFinding[]): Partial<Record<SeverityLevel, number>> {
  const counts: Partial<Record<SeverityLevel, number>> = {};
  for (const f of findings) counts[f.severity] = (counts[f.severity] ?? 0) + 1;
  return counts;
}

/** Most severe first, KEV-listed first within a severity, then by advisory and id (stable output). */
export function mostSevereFirst(a: FindingNotice, b: FindingNotice): number {
  return (
    compareSeverity(b.severity, a.severity) ||
    Number(b.kev) - Number(a.kev) ||
    (a.advisoryId < b.advisoryId ? -1 : a.advisoryId > b.advisoryId ? 1 : 0) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}
