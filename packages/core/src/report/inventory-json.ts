import type { ResolvedImage } from "../model/image.js";
import type { ImageInventory } from "../model/image-inventory.js";

/** Version of Vigil's own JSON inventory document; bump on incompatible changes. */
export const INVENTORY_JSON_SCHEMA_VERSION = "1";

/** Options of {@link renderInventoryJson}. */
export interface InventoryJsonOptions {
  readonly image: ResolvedImage;
  readonly inventory: ImageInventory;
  readonly status: "complete" | "partial";
  readonly now: Date;
  readonly toolVersion: string;
}

/** Vigil's JSON inventory: the image, its OS, every package with origin, and every issue. */
export function renderInventoryJson(options: InventoryJsonOptions): string {
  const { image, inventory } = options;
  const document = {
    schemaVersion: INVENTORY_JSON_SCHEMA_VERSION,
    tool: { name: "vigil", version: options.toolVersion },
    createdAt: options.now.toISOString(),
    status: options.status,
    image: {
      reference: image.reference,
      ...(image.repository ? { repository: image.repository } : {}),
      manifestDigest: image.manifestDigest,
      ...(image.indexDigest ? { indexDigest: image.indexDigest } : {}),
      configDigest: image.configDigest,
      platform: image.platform,
      layers: image.layers.map((l, i) => ({
        digest: l.digest,
        size: l.size,
        diffId: image.config.diffIds[i],
      })),
    },
    os: inventory.os ?? null,
    packages: inventory.packages,
    issues: inventory.issues,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
