import { createReadStream } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { posix } from "node:path";
import { Readable } from "node:stream";
import { decodeTarHeader, isZeroBlock, parsePaxRecords } from "../layer/tar-header.js";
import { LocalSourceError } from "./errors.js";

/**
 * A one-pass index of a tar archive's members (name → byte offset and size), so members can
 * be served later as byte ranges of the file without unpacking anything to disk. Only headers
 * (and the small PAX / GNU long-name records) are read: file contents are skipped by offset.
 * Formats: ustar (with `prefix`), PAX (`path`, `linkpath`, `size` records) and GNU long
 * names/links (POSIX.1-2001 pax, https://pubs.opengroup.org/onlinepubs/9699919799/utilities/pax.html).
 */

/** One member of the archive. */
export interface TarMember {
  /** Normalized path (no leading `./` or `/`, no trailing `/`). */
  readonly name: string;
  /** Offset of the member's data in the file. */
  readonly offset: number;
  readonly size: number;
  readonly type: "file" | "directory" | "symlink" | "hardlink" | "other";
  /** Link target, normalized to an archive path, for symlinks and hard links. */
  readonly target?: string;
}

const BLOCK = 512;
const MAX_META_BYTES = 1024 * 1024;

/** The text of a GNU long name record, up to its NUL. */
function cString(data: Buffer): string {
  const nul = data.indexOf(0);
  return data.toString("utf8", 0, nul >= 0 ? nul : data.length);
}

/** Normalize a member path: `./a//b/` → `a/b`. */
export function normalizeMemberName(name: string): string {
  const n = posix.normalize(`/${name}`).slice(1);
  return n.endsWith("/") ? n.slice(0, -1) : n;
}

/** An indexed tar archive; members are read as byte ranges of the file. */
export class TarIndex {
  private constructor(
    readonly path: string,
    readonly fileSize: number,
    private readonly members: ReadonlyMap<string, TarMember>,
  ) {}

  /** Index `path`; throws {@link LocalSourceError} when it is not a readable tar. */
  static async open(path: string): Promise<TarIndex> {
    let handle: FileHandle;
    try {
      handle = await open(path, "r");
    } catch (error) {
      throw new LocalSourceError(path, "the archive cannot be opened; check the path", { cause: error });
    }
    try {
      const { size: fileSize } = await handle.stat();
      const members = new Map<string, TarMember>();
      const block = Buffer.alloc(BLOCK);
      let pos = 0;
      let longName: string | undefined;
      let longLink: string | undefined;
      const pax = new Map<string, string>();
      const readAt = async (buffer: Buffer, length: number, at: number): Promise<void> => {
        const { bytesRead } = await handle.read(buffer, 0, length, at);
        if (bytesRead !== length) {
          throw new LocalSourceError(path, `the tar archive is truncated at byte ${at + bytesRead}`);
        }
      };
      while (pos + BLOCK <= fileSize) {
        await readAt(block, BLOCK, pos);
        if (isZeroBlock(block)) break; // end-of-archive marker
        const header = decodeTarHeader(block);
        if ("problem" in header) {
          throw new LocalSourceError(path, `it is not a tar archive (${header.problem} at byte ${pos})`);
        }
        const { size, typeFlag } = header;
        const dataOffset = pos + BLOCK;
        if (dataOffset + size > fileSize) {
          throw new LocalSourceError(
            path,
            `the tar archive is truncated (member at byte ${pos} runs past the end)`,
          );
        }
        const next = dataOffset + Math.ceil(size / BLOCK) * BLOCK;
        if (typeFlag === "x" || typeFlag === "L" || typeFlag === "K") {
          if (size > MAX_META_BYTES)
            throw new LocalSourceError(path, `an oversized tar metadata record at byte ${pos}`);
          const data = Buffer.alloc(size);
          await readAt(data, size, dataOffset);
          if (typeFlag === "x") {
            const records = parsePaxRecords(data);
            if ("problem" in records) {
              throw new LocalSourceError(path, `a bad PAX header at byte ${pos}: ${records.problem}`);
            }
            for (const [key, value] of records) pax.set(key, value);
          } else if (typeFlag === "L") longName = cString(data);
          else longLink = cString(data);
          pos = next;
          continue;
        }
        if (typeFlag === "g") {
          pos = next;
          continue;
        }
        const rawName = pax.get("path") ?? longName ?? header.name;
        const rawLink = pax.get("linkpath") ?? longLink ?? header.linkName;
        const paxSize = pax.get("size");
        // A PAX size replaces the header's (which may be 0 or truncated for files over 8 GiB);
        // it is held to the same rules: a whole number of bytes that the file really holds.
        const realSize = paxSize !== undefined ? Number(paxSize) : size;
        if (!Number.isSafeInteger(realSize) || realSize < 0 || dataOffset + realSize > fileSize) {
          throw new LocalSourceError(
            path,
            `the tar archive is truncated or corrupt (member at byte ${pos} declares ${paxSize} bytes)`,
          );
        }
        const name = normalizeMemberName(rawName);
        const type =
          typeFlag === "0" || typeFlag === "7"
            ? "file"
            : typeFlag === "5"
              ? "directory"
              : typeFlag === "2"
                ? "symlink"
                : typeFlag === "1"
                  ? "hardlink"
                  : "other";
        const target =
          type === "symlink"
            ? normalizeMemberName(
                rawLink.startsWith("/") ? rawLink : posix.join(posix.dirname(name), rawLink),
              )
            : type === "hardlink"
              ? normalizeMemberName(rawLink)
              : undefined;
        members.set(name, { name, offset: dataOffset, size: realSize, type, ...(target ? { target } : {}) });
        pos = paxSize !== undefined ? dataOffset + Math.ceil(realSize / BLOCK) * BLOCK : next;
        longName = undefined;
        longLink = undefined;
        pax.clear();
      }
      return new TarIndex(path, fileSize, members);
    } finally {
      await handle.close();
    }
  }

  /** All member names. */
  names(): string[] {
    return [...this.members.keys()];
  }

  /** The regular-file member at `name`, following symlinks and hard links; undefined if absent. */
  file(name: string): TarMember | undefined {
    let member = this.members.get(normalizeMemberName(name));
    for (let hops = 0; member && member.type !== "file" && hops < 16; hops++) {
      if (!member.target) return undefined;
      member = this.members.get(member.target);
    }
    return member?.type === "file" ? member : undefined;
  }

  /** Read a (small) member into memory. */
  async read(member: TarMember): Promise<Buffer> {
    const handle = await open(this.path, "r");
    try {
      const buffer = Buffer.alloc(member.size);
      const { bytesRead } = await handle.read(buffer, 0, member.size, member.offset);
      if (bytesRead !== member.size)
        throw new LocalSourceError(this.path, `member ${member.name} is truncated`);
      return buffer;
    } finally {
      await handle.close();
    }
  }

  /** Stream a member's bytes straight from the archive file. */
  stream(member: TarMember): Readable {
    if (member.size === 0) return Readable.from([], { objectMode: false });
    return createReadStream(this.path, {
      start: member.offset,
      end: member.offset + member.size - 1,
      highWaterMark: 1 << 20,
    });
  }
}
