import type { ImageInventory, InventoryMatches, ResolvedImage } from "@vigil/core";
import type { Kysely } from "kysely";
import { chunks } from "../../db/dialect.js";
import type { VigilSchema } from "../../db/schema.js";
import { storeDb } from "../../store/store-schema.js";

/** What the exports read of a stored image: enough to rebuild report inputs faithfully. */
export interface StoredImage {
  /** The digest a container runs (manifest or index): a finding's `details.imageDigest`. */
  readonly digest: string;
  readonly platform: string;
  readonly reference: string;
  readonly manifestDigest: string;
  readonly image?: ResolvedImage;
  readonly inventory: ImageInventory;
  readonly matches?: InventoryMatches;
}

/** Reads stored images by digest. */
export interface StoredImageReader {
  /** Every stored platform of each digest, by digest then platform; unknown digests are left out. */
  byDigests(digests: readonly string[]): Promise<StoredImage[]>;
}

/**
 * The stored images by digest, over Vigil's database. The image repository reads one
 * (digest, platform) at a time; a finding knows only its digest, and a multi-platform index
 * may be stored for several platforms, so this reads them all and the caller picks the one
 * whose layer the finding names.
 */
export function createStoredImageReader(database: Kysely<VigilSchema>): StoredImageReader {
  const db = storeDb(database);
  return {
    async byDigests(digests) {
      const unique = [...new Set(digests)].filter((d) => d !== "");
      const images: StoredImage[] = [];
      for (const part of chunks(unique, 100)) {
        const rows = await db
          .selectFrom("images")
          .select(["digest", "platform", "reference", "manifest_digest", "image_json", "inventory_json"])
          .select("matches_json")
          .where("digest", "in", part)
          .orderBy("digest")
          .orderBy("platform")
          .execute();
        for (const row of rows) {
          images.push({
            digest: row.digest,
            platform: row.platform,
            reference: row.reference,
            manifestDigest: row.manifest_digest,
            ...(row.image_json !== null ? { image: JSON.parse(row.image_json) as ResolvedImage } : {}),
            inventory: JSON.parse(row.inventory_json) as ImageInventory,
            ...(row.matches_json !== null
              ? { matches: JSON.parse(row.matches_json) as InventoryMatches }
              : {}),
          });
        }
      }
      return images;
    },
  };
}
