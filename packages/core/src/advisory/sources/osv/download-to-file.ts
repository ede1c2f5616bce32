import { open } from "node:fs/promises";
import type { SourceFetch } from "../../source.js";
import { readLocationChunks, SourceReadError } from "../shared/read-location.js";

/** What {@link downloadToFile} needs. */
export interface DownloadToFileInput {
  readonly url: string;
  readonly path: string;
  readonly fetch: SourceFetch;
  readonly signal?: AbortSignal;
  /** Bytes accepted before the download is abandoned. */
  readonly maxBytes: number;
}

/**
 * Streams an HTTP body into a file (a zip needs random access, so it cannot be read as it
 * arrives). Failures name the URL ({@link SourceReadError}); cancellation rethrows the
 * signal's reason. Returns the number of bytes written. The caller removes the file.
 */
export async function downloadToFile(input: DownloadToFileInput): Promise<number> {
  const file = await open(input.path, "wx");
  let written = 0;
  try {
    for await (const chunk of readLocationChunks({
      location: input.url,
      fetch: input.fetch,
      signal: input.signal,
    })) {
      written += chunk.length;
      if (written > input.maxBytes) {
        throw new SourceReadError(
          input.url,
          `${input.url} is larger than ${input.maxBytes} bytes, the download limit; nothing was imported`,
        );
      }
      await file.write(chunk);
    }
  } finally {
    await file.close();
  }
  return written;
}
