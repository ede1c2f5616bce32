import type { Readable } from "node:stream";
import type { Descriptor, Platform, ResolvedImage } from "../model/image.js";

/** Options every image source accepts when resolving an image. */
export interface ResolveOptions {
  /** Platform to choose from an index; default linux/amd64. */
  readonly platform?: Platform;
  readonly signal?: AbortSignal;
}

/**
 * Where image content comes from: a registry, an OCI layout directory, an OCI archive or a
 * `docker save` archive. A source resolves the image to one manifest and then serves its
 * blobs. Every blob stream it returns is verified: it errors with a `DigestMismatchError`
 * at the end if the bytes do not hash to the descriptor's digest, so a consumer that saw
 * the stream end without an error has read exactly the blob it asked for.
 */
export interface ImageSource {
  /** A short description for messages, e.g. `registry 127.0.0.1:5000/bench/minbase:latest`. */
  readonly description: string;
  resolve(options?: ResolveOptions): Promise<ResolvedImage>;
  /** Open a blob of the resolved image (layer or config) as a verified stream. */
  openBlob(descriptor: Descriptor, options?: { readonly signal?: AbortSignal }): Promise<Readable>;
  /** Release file handles or connections. */
  close?(): Promise<void>;
}
