import { createHash } from "node:crypto";
import type { Readable } from "node:stream";

/** Read a stream to its end into one buffer (tests only: blobs here are small). */
export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Read a stream to its end, returning `sha256:<hex>` and the byte count. */
export async function digestOf(stream: Readable): Promise<{ digest: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { digest: `sha256:${hash.digest("hex")}`, size };
}
