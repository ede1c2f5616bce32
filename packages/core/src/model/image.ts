/** An OCI content descriptor (https://github.com/opencontainers/image-spec/blob/main/descriptor.md). */
export interface Descriptor {
  readonly mediaType: string;
  /** `algorithm:hex`, e.g. `sha256:…`. */
  readonly digest: string;
  readonly size: number;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly platform?: Platform;
  readonly urls?: readonly string[];
}

/** An image platform as OCI image indexes describe it. */
export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
  readonly osVersion?: string;
}

/** The fields of an image configuration blob that Vigil uses. */
export interface ImageConfig {
  readonly os?: string;
  readonly architecture?: string;
  readonly variant?: string;
  readonly created?: string;
  /** Uncompressed layer digests, in order (`rootfs.diff_ids`). */
  readonly diffIds: readonly string[];
  readonly labels?: Readonly<Record<string, string>>;
  readonly history?: readonly { readonly created_by?: string; readonly empty_layer?: boolean }[];
}

/**
 * An image resolved to one platform: the manifest, its config and its layers. Produced by
 * an image source (registry, OCI layout, archive).
 */
export interface ResolvedImage {
  /** What the user asked for, normalized (e.g. `docker.io/library/alpine:3.19`). */
  readonly reference: string;
  /** Repository without tag or digest (e.g. `docker.io/library/alpine`), when from a registry. */
  readonly repository?: string;
  /** Digest of the single-platform manifest. */
  readonly manifestDigest: string;
  readonly manifestMediaType: string;
  /** Digest of the index the manifest was chosen from, when there was one. */
  readonly indexDigest?: string;
  readonly platform: Platform;
  readonly configDigest: string;
  readonly config: ImageConfig;
  /** Layers in order, bottom first. */
  readonly layers: readonly Descriptor[];
}
