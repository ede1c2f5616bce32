import type { LocatedIssue } from "./issue.js";
import type { OsFact } from "./os-info.js";
import type { ExtractedPackage } from "./package.js";

/** A package found in a layer, with the extractor that found it. */
export interface LayerPackage extends ExtractedPackage {
  /** Extractor name, e.g. `os/dpkg`. */
  readonly foundBy: string;
}

/**
 * What one layer says about one path that an extractor wanted. The merge uses these to
 * let an upper layer's copy of a file (say a rewritten `/var/lib/dpkg/status`) replace
 * everything lower layers read from the same path.
 */
export interface LayerFileRecord {
  readonly path: string;
  /** `unreadable` when the file was wanted but could not be read (too large, a broken hard link). */
  readonly kind: "file" | "symlink" | "directory" | "other" | "unreadable";
  readonly linkTarget?: string;
  readonly packages: readonly LayerPackage[];
  readonly osFacts: readonly OsFact[];
}

/**
 * The extraction result of one layer, independent of the image it sits in: cacheable by
 * layer digest plus extractor versions (ARCHITECTURE.md: extract stage).
 */
export interface LayerInventory {
  /** Digest of the layer blob as the manifest lists it. */
  readonly layerDigest: string;
  /** Digest of the uncompressed tar, computed while walking. */
  readonly diffId?: string;
  readonly files: readonly LayerFileRecord[];
  /** Paths this layer deletes from lower layers (`.wh.` files), kept as data. */
  readonly whiteouts: readonly string[];
  /** Directories whose lower-layer content this layer hides (`.wh..wh..opq`). */
  readonly opaqueDirs: readonly string[];
  readonly issues: readonly LocatedIssue[];
  readonly stats: {
    readonly entries: number;
    readonly uncompressedBytes: number;
    readonly filesRead: number;
    readonly bytesRead: number;
  };
}
