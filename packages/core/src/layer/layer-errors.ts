/** Why a layer could not be read to the end. */
export type LayerErrorReason =
  | "truncated"
  | "corrupt-compression"
  | "corrupt-tar"
  | "too-many-entries"
  | "too-large"
  | "diff-id-mismatch"
  | "aborted";

/**
 * A layer that could not be walked to its end. Everything read from such a layer is
 * discarded by the caller: a partial layer is never reported as complete.
 */
export class LayerError extends Error {
  override readonly name = "LayerError";
  constructor(
    readonly reason: LayerErrorReason,
    message: string,
    options?: { readonly cause?: unknown },
  ) {
    super(message, options);
  }
}
