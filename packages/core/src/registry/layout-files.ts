import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { LocalSourceError } from "./errors.js";
import type { TarIndex } from "./tar-index.js";

/**
 * Read access to the files of an OCI image layout, wherever they are: a directory or the
 * members of an (OCI or docker) archive. The layout sources depend only on this.
 */
export interface LayoutFiles {
  /** Where the files are, for messages (`OCI layout /images/oci`). */
  readonly description: string;
  /** The size of a file, or undefined when it does not exist. */
  size(path: string): Promise<number | undefined>;
  /** Read a small file; undefined when it does not exist; throws over `maxBytes`. */
  read(path: string, maxBytes: number): Promise<Buffer | undefined>;
  /** Stream a file; undefined when it does not exist. */
  open(path: string): Promise<Readable | undefined>;
}

function tooLarge(where: string, path: string, size: number, max: number): LocalSourceError {
  return new LocalSourceError(
    where,
    `${path} is ${size} bytes, over the ${max}-byte limit for documents Vigil buffers`,
  );
}

/** {@link LayoutFiles} over a directory. */
export function directoryLayoutFiles(dir: string, description: string): LayoutFiles {
  const full = (path: string): string => join(dir, ...path.split("/"));
  const size = async (path: string): Promise<number | undefined> => {
    try {
      const s = await stat(full(path));
      return s.isFile() ? s.size : undefined;
    } catch {
      return undefined;
    }
  };
  return {
    description,
    size,
    async read(path, maxBytes) {
      const n = await size(path);
      if (n === undefined) return undefined;
      if (n > maxBytes) throw tooLarge(dir, path, n, maxBytes);
      const handle = await open(full(path), "r");
      try {
        const buffer = Buffer.alloc(n);
        const { bytesRead } = await handle.read(buffer, 0, n, 0);
        return buffer.subarray(0, bytesRead);
      } finally {
        await handle.close();
      }
    },
    async open(path) {
      if ((await size(path)) === undefined) return undefined;
      return createReadStream(full(path), { highWaterMark: 1 << 20 });
    },
  };
}

/** {@link LayoutFiles} over the members of an indexed tar archive (optionally under a directory in it). */
export function tarLayoutFiles(tar: TarIndex, description: string): LayoutFiles {
  return {
    description,
    async size(path) {
      return tar.file(path)?.size;
    },
    async read(path, maxBytes) {
      const member = tar.file(path);
      if (!member) return undefined;
      if (member.size > maxBytes) throw tooLarge(tar.path, path, member.size, maxBytes);
      return tar.read(member);
    },
    async open(path) {
      const member = tar.file(path);
      return member ? tar.stream(member) : undefined;
    },
  };
}
