import type { Readable } from "node:stream";
import { ManifestInvalidError } from "./errors.js";

/**
 * Read a small response body (manifest, config, token, error document) into memory, failing
 * once it exceeds `maxBytes`, so a hostile or broken server cannot make Vigil buffer a layer.
 */
export async function readBodyBytes(body: Readable, maxBytes: number, where: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    total += buf.length;
    if (total > maxBytes) {
      abandonBody(body);
      throw new ManifestInvalidError(
        where,
        `it is larger than the ${maxBytes}-byte limit for documents Vigil buffers`,
      );
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks, total);
}

/** {@link readBodyBytes} as UTF-8 text. */
export async function readBodyText(body: Readable, maxBytes: number, where: string): Promise<string> {
  return (await readBodyBytes(body, maxBytes, where)).toString("utf8");
}

/** Read and drop a body (so the connection can be reused), ignoring errors. */
export async function discardBody(body: Readable): Promise<void> {
  try {
    for await (const _ of body) {
      // drain
    }
  } catch {
    // the response is being abandoned anyway
  }
}

/**
 * Destroy a body nobody will read. An undici body destroyed without an error emits an
 * AbortError; with no listener that would be an uncaught exception, so one is added first.
 */
export function abandonBody(body: Readable): void {
  body.on("error", () => {
    // abandoned on purpose
  });
  body.destroy();
}
