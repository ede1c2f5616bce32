import { createReadStream } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { posix } from "node:path";
import { Readable } from "node:stream";
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

/** Normalize a member path: `./a//b/` → `a/b`. */
export function normalizeMemberName(name: string): string {
  const n = posix.normalize(`/${name}`).slice(1);
  return n.endsWith("/") ? n.slice(0, -1) : n;
}

function readString(block: Buffer, start: number, length: number): string {
  const slice = block.subarray(start, start + length);
  const nul = slice.indexOf(0);
  return slice.subarray(0, nul >= 0 ? nul : slice.length).toString("utf8");
}

function readNumber(block: Buffer, start: number, length: number): number {
  const slice = block.subarray(start, start + length);
  if (slice[0]! & 0x80) {
    // GNU base-256: big-endian binary with the top bit of the first byte set.
    let value = slice[0]! & 0x7f;
    for (let i = 1; i < slice.length; i++) value = value * 256 + slice[i]!;
    return value;
  }
  const text = slice.toString("ascii").replace(/\0.*$/s, "").trim();
  return text === "" ? 0 : Number.parseInt(text, 8);
}

function checksumOk(block: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i]!;
  return sum === readNumber(block, 148, 8);
}

function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space < 0) break;
    const length = Number.parseInt(data.subarray(pos, space).toString("ascii"), 10);
    if (!Number.isFinite(length) || length <= 0) break;
    const record = data.subarray(space + 1, pos + length - 1).toString("utf8");
    const eq = record.indexOf("=");
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    pos += length;
  }
  return out;
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
      let pax: Record<string, string> = {};
      const readAt = async (buffer: Buffer, length: number, at: number): Promise<void> => {
        const { bytesRead } = await handle.read(buffer, 0, length, at);
        if (bytesRead !== length) {
          throw new LocalSourceError(path, `the tar archive is truncated at byte ${at + bytesRead}`);
        }
      };
      while (pos + BLOCK <= fileSize) {
        await readAt(block, BLOCK, pos);
        if (block.every((b) => b === 0)) break; // end-of-archive marker
        if (!checksumOk(block)) {
          throw new LocalSourceError(path, `it is not a tar archive (bad header checksum at byte ${pos})`);
        }
        const size = readNumber(block, 124, 12);
        const typeflag = String.fromCharCode(block[156]!);
        const dataOffset = pos + BLOCK;
        const next = dataOffset + Math.ceil(size / BLOCK) * BLOCK;
        if (dataOffset + size > fileSize) {
          throw new LocalSourceError(
            path,
            `the tar archive is truncated (member at byte ${pos} runs past the end)`,
          );
        }
        if (typeflag === "x" || typeflag === "L" || typeflag === "K") {
          if (size > MAX_META_BYTES)
            throw new LocalSourceError(path, `an oversized tar metadata record at byte ${pos}`);
          const data = Buffer.alloc(size);
          await readAt(data, size, dataOffset);
          if (typeflag === "x") pax = { ...pax, ...parsePax(data) };
          else if (typeflag === "L") longName = readString(data, 0, size);
          else longLink = readString(data, 0, size);
          pos = next;
          continue;
        }
        if (typeflag === "g") {
          pos = next;
          continue;
        }
        const magic = block.subarray(257, 263).toString("latin1");
        const prefix = magic === "ustar\0" ? readString(block, 345, 155) : "";
        const rawName =
          pax.path ??
          longName ??
          (prefix ? `${prefix}/${readString(block, 0, 100)}` : readString(block, 0, 100));
        const rawLink = pax.linkpath ?? longLink ?? readString(block, 157, 100);
        const realSize = pax.size !== undefined ? Number(pax.size) : size;
        const name = normalizeMemberName(rawName);
        const type =
          typeflag === "0" || typeflag === "\0" || typeflag === "7"
            ? "file"
            : typeflag === "5"
              ? "directory"
              : typeflag === "2"
                ? "symlink"
                : typeflag === "1"
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
        pos = pax.size !== undefined ? dataOffset + Math.ceil(realSize / BLOCK) * BLOCK : next;
        longName = undefined;
        longLink = undefined;
        pax = {};
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
