/** Small builders for advisory-store tests: OSV records and scripted sync results. */
import type { OsvAffected, OsvRecord, SyncItem, SyncResult } from "@vigil/core";

/** One affected package: `[ecosystem, name, fixed?]`. */
export type AffectedSpec = readonly [ecosystem: string, name: string, fixed?: string];

/** An OSV record with sensible defaults; `affected` entries get an ECOSYSTEM range from 0. */
export function osv(
  id: string,
  fields: Partial<Omit<OsvRecord, "affected">> & {
    readonly affected?: readonly (AffectedSpec | OsvAffected)[];
  } = {},
): OsvRecord {
  const { affected, ...rest } = fields;
  return {
    schema_version: "1.7.0",
    id,
    modified: "2024-05-01T00:00:00Z",
    ...rest,
    ...(affected
      ? {
          affected: affected.map((a): OsvAffected => {
            if (!Array.isArray(a)) return a as OsvAffected;
            const [ecosystem, name, fixed] = a as AffectedSpec;
            return {
              package: { ecosystem, name },
              ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, ...(fixed ? [{ fixed }] : [])] }],
            };
          }),
        }
      : {}),
  };
}

/** Advisory items for records. */
export function advisoryItems(
  records: readonly OsvRecord[],
  upstreamUrl?: (id: string) => string,
): SyncItem[] {
  return records.map((record) => ({
    kind: "advisory",
    record,
    ...(upstreamUrl ? { upstreamUrl: upstreamUrl(record.id) } : {}),
  }));
}

/** Options of {@link syncOf}. */
export interface SyncOfOptions {
  readonly mode?: "snapshot" | "incremental";
  readonly cursor?: string;
  /** Throw this error instead of yielding item number `throwAt` (0-based; the item count: at the end). */
  readonly throwAt?: number;
  readonly error?: Error;
  /** Called before each item is yielded, with its index (to abort a signal mid-way, say). */
  readonly beforeItem?: (index: number) => void;
  /** Wait this long before each item, as a slow network would. */
  readonly delayMs?: number;
}

/** A {@link SyncResult} yielding `items` asynchronously, optionally failing part-way. */
export function syncOf(
  items: readonly SyncItem[] | Iterable<SyncItem>,
  options: SyncOfOptions = {},
): SyncResult {
  let consumed = false;
  return {
    mode: options.mode ?? "snapshot",
    items: (async function* () {
      let index = 0;
      for (const item of items) {
        options.beforeItem?.(index);
        if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
        if (index === options.throwAt) throw options.error ?? new Error(`source failed at item ${index}`);
        yield item;
        index++;
        // let other work run now and then, as a real source reading a network stream would
        if (index % 500 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      if (index === options.throwAt) throw options.error ?? new Error(`source failed at item ${index}`);
      consumed = true;
    })(),
    cursor: () => (consumed ? options.cursor : undefined),
  };
}
