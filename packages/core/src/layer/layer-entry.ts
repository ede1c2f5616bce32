/** Entry kinds Vigil distinguishes; devices and fifos are `other`. */
export type LayerEntryType = "file" | "directory" | "symlink" | "hardlink" | "other";

/**
 * One entry of a layer tar, with its path made absolute inside the image
 * (`./etc/os-release` → `/etc/os-release`). Whiteouts are kept as data: the entry's own
 * path is the marker file, `whiteout` says what it deletes in lower layers.
 */
export interface LayerEntry {
  readonly path: string;
  readonly type: LayerEntryType;
  /** Declared content size in bytes (0 for non-files). */
  readonly size: number;
  readonly mode: number;
  /**
   * Symlink target as written in the tar (may be relative), or for a hard link the
   * absolute image path of the file it links to.
   */
  readonly linkTarget?: string;
  /** For `.wh.` marker files: the path they delete, or the directory they make opaque. */
  readonly whiteout?: { readonly kind: "file" | "opaque"; readonly target: string };
}

/** An entry during a walk; its content can be read once, before the walk moves on. */
export interface LayerWalkEntry extends LayerEntry {
  /**
   * Read the whole content (files only). Rejects with a `LayerError` if the layer ends
   * early, or a `FileTooLargeError` (the walk goes on) if it exceeds the size limit.
   */
  read(): Promise<Buffer>;
  /**
   * Read the next `length` content bytes from where the previous `readNext`/`skipNext`
   * stopped (files only); fewer at the end of the file. For bounded reads of files of any
   * size; cannot be mixed with `read()`.
   */
  readNext(length: number): Promise<Buffer>;
  /** Skip the next `length` content bytes (clipped at the end of the file) without keeping them. */
  skipNext(length: number): Promise<void>;
  /** Content bytes consumed so far by `readNext`/`skipNext`. */
  readonly consumed: number;
}

/** A file larger than the configured limit; the walk skips it and goes on. */
export class FileTooLargeError extends Error {
  override readonly name = "FileTooLargeError";
  constructor(
    readonly path: string,
    readonly size: number,
    readonly limit: number,
  ) {
    super(`${path} is ${size} bytes, over the limit of ${limit} bytes for files read into memory`);
  }
}
