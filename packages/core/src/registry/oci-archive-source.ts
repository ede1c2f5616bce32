import type { ImageSource } from "./image-source.js";
import { tarLayoutFiles } from "./layout-files.js";
import { createOciLayoutSource } from "./oci-layout-source.js";
import { TarIndex } from "./tar-index.js";

/**
 * An {@link ImageSource} over an OCI archive: an OCI image layout packed in a tar
 * (`skopeo copy … oci-archive:FILE`, `buildah push … oci-archive:FILE`). Nothing is unpacked:
 * the archive is indexed once and blobs are streamed as byte ranges of the file.
 */

/** Options of {@link createOciArchiveSource}. */
export interface OciArchiveSourceOptions {
  readonly path: string;
  /** Tag (ref.name) to pick; optional when the archive holds one image. */
  readonly tag?: string;
}

/** Index the archive and create its source; throws `LocalSourceError` when it is not a readable tar. */
export async function createOciArchiveSource(options: OciArchiveSourceOptions): Promise<ImageSource> {
  const tar = await TarIndex.open(options.path);
  const reference = `oci-archive:${options.path}${options.tag !== undefined ? `:${options.tag}` : ""}`;
  return createOciLayoutSource({
    files: tarLayoutFiles(tar, `OCI archive ${options.path}`),
    reference,
    ...(options.tag !== undefined ? { tag: options.tag } : {}),
  });
}
