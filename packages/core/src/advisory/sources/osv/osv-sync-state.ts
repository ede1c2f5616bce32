import type { OsvRecord } from "../../osv-record.js";
import type { SyncItem } from "../../source.js";
import type { ParsedOsvDocument } from "./parse-osv-document.js";

/** Where a person reads an OSV record. */
export function osvUpstreamUrl(id: string): string {
  return `https://osv.dev/vulnerability/${encodeURIComponent(id)}`;
}

/**
 * What one sync remembers across its archives: ids already yielded (the same record is in
 * several per-ecosystem exports when it affects packages of several ecosystems: each id is
 * yielded once) and the latest `modified` seen, the sync's cursor.
 */
export class OsvSyncState {
  private readonly seen = new Map<string, { readonly modified: string; readonly archive: number }>();
  private readonly archives: string[] = [];
  private latest: { readonly time: number; readonly text: string } | undefined;

  /** Starts a new archive (zip or directory); later duplicates name it as where the first copy was. */
  beginArchive(label: string): void {
    this.archives.push(label);
  }

  /** The item for one parsed document, or nothing for an identical duplicate. */
  item(parsed: ParsedOsvDocument, location: string): SyncItem | undefined {
    if (!parsed.ok) return { kind: "problem", problem: parsed.problem };
    const record: OsvRecord = parsed.record;
    const first = this.seen.get(record.id);
    if (first !== undefined) {
      if (first.modified === record.modified) return undefined;
      return {
        kind: "problem",
        problem: {
          id: record.id,
          location,
          reason:
            `duplicate id: ${this.archives[first.archive]} already had ${record.id} (modified ${first.modified}); ` +
            `this copy (modified ${record.modified}) is skipped`,
        },
      };
    }
    this.seen.set(record.id, { modified: record.modified, archive: this.archives.length - 1 });
    const time = Date.parse(record.modified);
    if (this.latest === undefined || time > this.latest.time) this.latest = { time, text: record.modified };
    return { kind: "advisory", record, upstreamUrl: osvUpstreamUrl(record.id) };
  }

  /** The latest `modified` of the records yielded, as the record wrote it. */
  cursor(): string | undefined {
    return this.latest?.text;
  }
}
