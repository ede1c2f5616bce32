import type { Finding, Match, ReconcileFindingsResult } from "@vigil/core";
import { findingKey } from "@vigil/core";
import type { FindingHistoryInput, FindingRecord } from "../store/finding-record.js";
import { toFindingRecord, toHistoryInput } from "../store/finding-record.js";
import type { FindingChanges } from "../store/finding-repository.js";

/** What a stored finding carries from the match behind its latest detection. */
export interface FindingEnrichment {
  readonly kev: boolean;
  readonly epss?: number;
}

/** Input of {@link findingChangesOf}. */
export interface FindingChangesInput {
  readonly reconciled: ReconcileFindingsResult;
  /** The stored findings the reconcile started from (`loadForReconcile`). */
  readonly stored: readonly FindingRecord[];
  /** The reconcile's time: `resolvedAt` of what it resolved, and the day of the open counts it moves. */
  readonly now: Date;
  /** A new finding id. */
  readonly newId: () => string;
  /** KEV and EPSS of the match behind a detected finding, when known. */
  readonly enrichmentOf: (finding: Finding) => FindingEnrichment | undefined;
  /**
   * `rematch`: an advisory update matched stored inventories again without looking at the
   * cluster. A finding detected again keeps its `lastSeen` (no scan saw it run), and one whose
   * details did not change is not written at all.
   */
  readonly mode: "scan" | "rematch";
}

/**
 * A reconcile's transitions as the rows to write: every finding that changed, under its stored
 * id (a new one for `created`), and its history by finding id. Findings the scan does not cover
 * are left out: nothing about them changed.
 */
export function findingChangesOf(input: FindingChangesInput): FindingChanges {
  const byKey = new Map(input.stored.map((record) => [findingKey(record.identity), record]));
  const findings: FindingRecord[] = [];
  const history: FindingHistoryInput[] = [];
  for (const transition of input.reconciled.transitions) {
    if (transition.kind === "unchanged-not-covered") continue;
    const stored = byKey.get(transition.key);
    let finding = transition.finding;
    if (input.mode === "rematch" && transition.kind === "still-detected" && stored) {
      finding = { ...finding, lastSeen: new Date(stored.lastSeen) };
    }
    const detected =
      transition.kind === "created" || transition.kind === "still-detected" || transition.kind === "reopened";
    const enrichment = (detected ? input.enrichmentOf(finding) : undefined) ?? {
      kev: stored?.kev ?? false,
      ...(stored?.epss !== undefined ? { epss: stored.epss } : {}),
    };
    const resolvedAt =
      transition.kind === "resolved"
        ? input.now.toISOString()
        : finding.state === "resolved"
          ? stored?.resolvedAt
          : undefined;
    const id = stored?.id ?? input.newId();
    const record = toFindingRecord(finding, {
      id,
      kev: enrichment.kev,
      ...(enrichment.epss !== undefined ? { epss: enrichment.epss } : {}),
      ...(resolvedAt !== undefined ? { resolvedAt } : {}),
      ...(stored?.rowVersion !== undefined ? { rowVersion: stored.rowVersion } : {}),
    });
    if (input.mode === "rematch" && transition.kind === "still-detected" && stored && same(stored, record)) {
      continue;
    }
    findings.push(record);
    for (const entry of transition.history) history.push(toHistoryInput(entry, id));
  }
  return { findings, history, at: input.now };
}

/** Whether a record would be written unchanged (the store's JSON may order keys differently). */
function same(a: FindingRecord, b: FindingRecord): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : 1)))
      : v,
  );
}

/**
 * KEV and EPSS of the matches behind detections: a detection's details name the digest, the
 * package (purl and path) and, through its identity, the advisory; this finds the match they
 * came from.
 */
export function createEnrichmentIndex(
  images: Iterable<{ readonly digest: string; readonly matches: readonly Match[] }>,
): (finding: Finding) => FindingEnrichment | undefined {
  const index = new Map<string, FindingEnrichment>();
  for (const { digest, matches } of images) {
    for (const match of matches) {
      const key = enrichmentKey(digest, match.package.purl, match.package.location.path, match.id);
      if (index.has(key)) continue;
      index.set(key, {
        kev: match.kev !== undefined,
        ...(match.epss !== undefined ? { epss: match.epss.score } : {}),
      });
    }
  }
  return (finding) =>
    index.get(
      enrichmentKey(
        finding.details.imageDigest,
        finding.details.purl,
        finding.details.path,
        finding.identity.advisoryId,
      ),
    );
}

function enrichmentKey(digest: string, purl: string, path: string, advisoryId: string): string {
  return JSON.stringify([digest, purl, path, advisoryId]);
}
