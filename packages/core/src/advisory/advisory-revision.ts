import { createHash } from "node:crypto";
import type { AdvisoryReader } from "./store.js";

/**
 * A fingerprint of the advisory data a reader serves: it changes whenever any source syncs
 * (cursor, record count, success time or source version), so results matched with an
 * older revision are matched again. Conservative: a sync that brought nothing new still
 * changes it, which costs a re-match, never a missed advisory.
 */
export async function advisoryRevision(reader: AdvisoryReader): Promise<string> {
  const sources = [...(await reader.sources())].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  const text = sources
    .map((s) => [s.name, s.version, s.cursor ?? "", s.lastSuccessAt ?? "", s.records].join("\t"))
    .join("\n");
  return createHash("sha256").update(text).digest("hex").slice(0, 32);
}
