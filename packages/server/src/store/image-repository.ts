import type { ImageInventory, InventoryMatches, ResolvedImage } from "@vigil/core";
import type { Kysely, Selectable } from "kysely";
import { idsPerStatement, rowsPerStatement } from "../db/advisory-writes.js";
import { chunks, dialectOf } from "../db/dialect.js";
import type { VigilSchema } from "../db/schema.js";
import { fromJson, orNull, present, toJson } from "./column-values.js";
import { compareImagePackageKeys, type ImagePackageKey, imagePackageKeys } from "./image-package-keys.js";
import { type ImagesTable, storeDb } from "./store-schema.js";

/** An image as stored: a digest (manifest or index) read for one platform. */
export interface ImageKey {
  readonly digest: string;
  /** `os/arch[/variant]` (`formatPlatform`). */
  readonly platform: string;
}

/**
 * A scanned image: its inventory, kept so it can be matched again when advisories change
 * without pulling anything (ARCHITECTURE.md section 5), and its latest matches.
 */
export interface ImageRecord extends ImageKey {
  readonly reference: string;
  /** The single-platform manifest the inventory was read from. */
  readonly manifestDigest: string;
  readonly image?: ResolvedImage;
  readonly inventory: ImageInventory;
  /** What the inventory depends on besides the digest (`imageCacheKey`: extractors, limits). */
  readonly inventoryKey: string;
  /** The advisory revision (`advisoryRevision`) `matches` were computed with. */
  readonly matchedWith?: string;
  readonly matches?: InventoryMatches;
  readonly scannedAt: string;
  readonly matchedAt?: string;
}

/** New matches for a stored inventory. */
export interface ImageMatchesUpdate extends ImageKey {
  readonly matches: InventoryMatches;
  readonly matchedWith: string;
  readonly matchedAt: string;
}

/** Scanned images and the package index used to find which to match again. */
export interface ImageRepository {
  get(key: ImageKey): Promise<ImageRecord | undefined>;
  /**
   * Stores an image, replacing what was stored for its digest and platform, and its package
   * index, in one transaction. The index holds `packages` when given, else
   * {@link imagePackageKeys} of the inventory.
   */
  upsert(image: ImageRecord & { readonly packages?: readonly ImagePackageKey[] }): Promise<void>;
  /** Replaces the matches of a stored image (a re-match); false when it is not stored. */
  updateMatches(update: ImageMatchesUpdate): Promise<boolean>;
  /**
   * Stored images whose inventories hold any of `packages` (ecosystem base and normalized
   * name, as `affected_package` keys advisories): the images to match again after those
   * advisories changed. Sorted by digest and platform. One indexed lookup per chunk of names.
   */
  listByPackages(packages: readonly ImagePackageKey[]): Promise<ImageKey[]>;
  /** Stored images not matched with `revision` (or never matched), sorted; at most `limit`. */
  listNotMatchedWith(revision: string, options?: { readonly limit?: number }): Promise<ImageKey[]>;
  /** The package index of a stored image, sorted. */
  packagesOf(key: ImageKey): Promise<ImagePackageKey[]>;
}

/** The image repository over Vigil's database. */
export function createImageRepository(database: Kysely<VigilSchema>): ImageRepository {
  const db = storeDb(database);
  const dialect = dialectOf(database);
  return {
    async get(key) {
      const row = await db
        .selectFrom("images")
        .selectAll()
        .where("digest", "=", key.digest)
        .where("platform", "=", key.platform)
        .executeTakeFirst();
      return row ? toImage(row) : undefined;
    },

    async upsert(image) {
      const row: ImagesTable = {
        digest: image.digest,
        platform: image.platform,
        reference: image.reference,
        manifest_digest: image.manifestDigest,
        image_json: image.image ? toJson(image.image) : null,
        os_json: image.inventory.os ? toJson(image.inventory.os) : null,
        inventory_json: toJson(image.inventory),
        inventory_key: image.inventoryKey,
        matched_with: orNull(image.matchedWith),
        matches_json: image.matches ? toJson(image.matches) : null,
        scanned_at: image.scannedAt,
        matched_at: orNull(image.matchedAt),
      };
      const { digest, platform, ...rest } = row;
      const packages = dedupe(image.packages ?? imagePackageKeys(image.inventory));
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto("images")
          .values(row)
          .onConflict((oc) => oc.columns(["digest", "platform"]).doUpdateSet(rest))
          .execute();
        await trx
          .deleteFrom("image_packages")
          .where("digest", "=", digest)
          .where("platform", "=", platform)
          .execute();
        const rows = packages.map((p) => ({ digest, platform, ecosystem: p.ecosystem, name: p.name }));
        for (const part of chunks(rows, rowsPerStatement(dialect, 4))) {
          await trx.insertInto("image_packages").values(part).execute();
        }
      });
    },

    async updateMatches(update) {
      const result = await db
        .updateTable("images")
        .set({
          matches_json: toJson(update.matches),
          matched_with: update.matchedWith,
          matched_at: update.matchedAt,
        })
        .where("digest", "=", update.digest)
        .where("platform", "=", update.platform)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async listByPackages(packages) {
      const byEcosystem = new Map<string, Set<string>>();
      for (const p of packages) {
        const names = byEcosystem.get(p.ecosystem) ?? new Set<string>();
        byEcosystem.set(p.ecosystem, names);
        names.add(p.name);
      }
      const found = new Map<string, ImageKey>();
      for (const [ecosystem, names] of byEcosystem) {
        for (const part of chunks([...names], idsPerStatement(dialect))) {
          const rows = await db
            .selectFrom("image_packages")
            .select(["digest", "platform"])
            .distinct()
            .where("ecosystem", "=", ecosystem)
            .where("name", "in", part)
            .execute();
          for (const row of rows) found.set(`${row.digest}\u0000${row.platform}`, row);
        }
      }
      return [...found.values()].sort(compareImageKeys);
    },

    async listNotMatchedWith(revision, options = {}) {
      let query = db
        .selectFrom("images")
        .select(["digest", "platform"])
        .where((eb) => eb.or([eb("matched_with", "is", null), eb("matched_with", "!=", revision)]))
        .orderBy("digest")
        .orderBy("platform");
      if (options.limit !== undefined) query = query.limit(Math.max(0, Math.floor(options.limit)));
      return query.execute();
    },

    async packagesOf(key) {
      const rows = await db
        .selectFrom("image_packages")
        .select(["ecosystem", "name"])
        .where("digest", "=", key.digest)
        .where("platform", "=", key.platform)
        .orderBy("ecosystem")
        .orderBy("name")
        .execute();
      return rows;
    },
  };
}

function dedupe(packages: readonly ImagePackageKey[]): ImagePackageKey[] {
  const unique = new Map(packages.map((p) => [`${p.ecosystem}\u0000${p.name}`, p]));
  return [...unique.values()].sort(compareImagePackageKeys);
}

/** By digest, then platform. */
function compareImageKeys(a: ImageKey, b: ImageKey): number {
  if (a.digest !== b.digest) return a.digest < b.digest ? -1 : 1;
  return a.platform < b.platform ? -1 : a.platform > b.platform ? 1 : 0;
}

function toImage(row: Selectable<ImagesTable>): ImageRecord {
  return {
    digest: row.digest,
    platform: row.platform,
    reference: row.reference,
    manifestDigest: row.manifest_digest,
    ...(row.image_json !== null ? { image: fromJson<ResolvedImage>(row.image_json) } : {}),
    inventory: fromJson<ImageInventory>(row.inventory_json),
    inventoryKey: row.inventory_key,
    ...present("matchedWith", row.matched_with),
    ...(row.matches_json !== null ? { matches: fromJson<InventoryMatches>(row.matches_json) } : {}),
    scannedAt: row.scanned_at,
    ...present("matchedAt", row.matched_at),
  };
}
