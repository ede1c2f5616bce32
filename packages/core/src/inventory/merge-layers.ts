import { isWithin } from "../layer/image-path.js";
import type { LayerFileRecord, LayerInventory, LayerPackage } from "../model/layer-inventory.js";
import type { OsFact } from "../model/os-info.js";
import type { PackageLocation } from "../model/package.js";

/** A layer's extraction result together with its place in the image. */
export interface PlacedLayer {
  readonly index: number;
  readonly layerDigest: string;
  readonly diffId?: string;
  readonly inventory: LayerInventory;
}

/** A package that survived the merge, located in the layer that introduced it. */
export interface MergedPackage {
  readonly pkg: LayerPackage;
  readonly location: PackageLocation;
}

/** An OS fact that survived the merge, with the layer it came from. */
export interface MergedOsFact {
  readonly fact: OsFact;
  readonly layerIndex: number;
}

/** The merged view of an image's files as the extractors saw them. */
export interface MergedLayers {
  readonly packages: readonly MergedPackage[];
  readonly osFacts: readonly MergedOsFact[];
  /** Indices of layers whose results survive (some record is visible in the image). */
  readonly visibleLayers: ReadonlySet<number>;
}

interface VisibleFile {
  readonly layer: PlacedLayer;
  readonly record: LayerFileRecord;
  /** For each package identity in this file, the layer index that introduced it. */
  readonly origins: ReadonlyMap<string, PlacedLayer>;
}

/**
 * Stack layers the way an overlay filesystem does (OCI image-spec "Applying Changesets"):
 * for each layer bottom-up, its whiteouts and opaque directories hide lower content, then
 * its files replace lower copies of the same path. What is left is the image as a
 * container sees it.
 *
 * A package's origin is the lowest layer from which the same package (name, version,
 * arch) has been continuously present in that file: a layer that rewrites
 * `/var/lib/dpkg/status` to remove curl does not become the origin of every other package.
 */
export function mergeLayers(layers: readonly PlacedLayer[]): MergedLayers {
  const visible = new Map<string, VisibleFile>();
  for (const layer of layers) {
    const { inventory } = layer;
    for (const dir of inventory.opaqueDirs) {
      for (const path of [...visible.keys()]) if (path !== dir && isWithin(path, dir)) visible.delete(path);
    }
    for (const deleted of inventory.whiteouts) {
      for (const path of [...visible.keys()]) if (isWithin(path, deleted)) visible.delete(path);
    }
    for (const record of inventory.files) {
      const below = visible.get(record.path);
      const origins = new Map<string, PlacedLayer>();
      for (const pkg of record.packages) {
        const key = identity(pkg);
        origins.set(key, below?.origins.get(key) ?? layer);
      }
      visible.set(record.path, { layer, record, origins });
    }
  }

  const packages: MergedPackage[] = [];
  const osFacts: MergedOsFact[] = [];
  const visibleLayers = new Set<number>();
  for (const { layer, record, origins } of visible.values()) {
    visibleLayers.add(layer.index);
    for (const pkg of record.packages) {
      const origin = origins.get(identity(pkg)) ?? layer;
      packages.push({
        pkg,
        location: {
          layerDigest: origin.layerDigest,
          ...(origin.diffId ? { diffId: origin.diffId } : {}),
          layerIndex: origin.index,
          path: pkg.path ?? record.path,
        },
      });
    }
    for (const fact of record.osFacts) osFacts.push({ fact, layerIndex: layer.index });
  }
  return { packages, osFacts, visibleLayers };
}

function identity(pkg: LayerPackage): string {
  return `${pkg.foundBy}\0${pkg.type}\0${pkg.name}\0${pkg.version}\0${pkg.arch ?? ""}\0${pkg.path ?? ""}`;
}
