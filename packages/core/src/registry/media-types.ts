/**
 * Media types of manifests, indexes, configs and layers.
 * OCI: https://github.com/opencontainers/image-spec/blob/main/media-types.md
 * Docker: https://distribution.github.io/distribution/spec/manifest-v2-2/
 */

/** OCI image index. */
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
/** OCI image manifest. */
export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
/** OCI image config. */
export const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
/** OCI layer, uncompressed tar. */
export const OCI_LAYER_TAR = "application/vnd.oci.image.layer.v1.tar";
/** OCI layer, gzip. */
export const OCI_LAYER_TAR_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
/** OCI layer, zstd. */
export const OCI_LAYER_TAR_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";

/** Docker manifest list (the Docker form of an index). */
export const DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
/** Docker image manifest, schema 2. */
export const DOCKER_MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json";
/** Docker image config. */
export const DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
/** Docker layer, gzip. */
export const DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
/** Docker layer, uncompressed (what `docker save` archives hold). */
export const DOCKER_LAYER_TAR = "application/vnd.docker.image.rootfs.diff.tar";
/** Docker schema 1 manifest (unsigned); deprecated and rejected. */
export const DOCKER_MANIFEST_V1 = "application/vnd.docker.distribution.manifest.v1+json";
/** Docker schema 1 manifest (signed); deprecated and rejected. */
export const DOCKER_MANIFEST_V1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws";

/** Media types of an index (a list of manifests, one per platform). */
export const INDEX_MEDIA_TYPES: readonly string[] = [OCI_INDEX, DOCKER_MANIFEST_LIST];
/** Media types of a single-platform image manifest. */
export const MANIFEST_MEDIA_TYPES: readonly string[] = [OCI_MANIFEST, DOCKER_MANIFEST_V2];

/** The `Accept` header for manifest requests: everything Vigil can read, index types first. */
export const MANIFEST_ACCEPT = [OCI_INDEX, DOCKER_MANIFEST_LIST, OCI_MANIFEST, DOCKER_MANIFEST_V2].join(", ");

/** True for an OCI index or a Docker manifest list. */
export function isIndexMediaType(mediaType: string): boolean {
  return INDEX_MEDIA_TYPES.includes(mediaType);
}

/** True for an OCI image manifest or a Docker schema 2 manifest. */
export function isManifestMediaType(mediaType: string): boolean {
  return MANIFEST_MEDIA_TYPES.includes(mediaType);
}

/** True for the Docker schema 1 media types (and the bare `application/json` some old registries send). */
export function isSchema1MediaType(mediaType: string): boolean {
  return mediaType === DOCKER_MANIFEST_V1 || mediaType === DOCKER_MANIFEST_V1_SIGNED;
}

/**
 * The media type of a Content-Type header value without parameters, lowercased
 * (`application/json; charset=utf-8` → `application/json`).
 */
export function baseMediaType(contentType: string | undefined): string {
  return (contentType ?? "").split(";")[0]!.trim().toLowerCase();
}
