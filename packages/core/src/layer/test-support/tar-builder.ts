/**
 * Builds tar archives byte by byte for tests, including ones no well-behaved tool would
 * write (paths climbing out of the root, lying sizes, broken checksums).
 */
export interface TarSpec {
  readonly name: string;
  readonly type?: "file" | "dir" | "symlink" | "hardlink" | "pax";
  readonly content?: string | Buffer;
  readonly linkName?: string;
  /** Override the size field (to lie about it). */
  readonly size?: number;
  /** PAX records to put in an `x` header before this entry. */
  readonly pax?: Record<string, string>;
  readonly corruptChecksum?: boolean;
  /** Permission bits; default 0o644. */
  readonly mode?: number;
}

const FLAGS = { file: "0", dir: "5", symlink: "2", hardlink: "1", pax: "x" } as const;

export function tarHeader(spec: TarSpec, size: number, flag: string): Buffer {
  const block = Buffer.alloc(512);
  block.write(spec.name.slice(0, 100), 0, "utf8");
  block.write(`${(spec.mode ?? 0o644).toString(8).padStart(7, "0")}\0`, 100, "latin1");
  block.write("0000000\0", 108, "latin1");
  block.write("0000000\0", 116, "latin1");
  block.write(`${size.toString(8).padStart(11, "0")}\0`, 124, "latin1");
  block.write("00000000000\0", 136, "latin1");
  block.write(flag, 156, "latin1");
  if (spec.linkName) block.write(spec.linkName.slice(0, 100), 157, "utf8");
  block.write("ustar\0", 257, "latin1");
  block.write("00", 263, "latin1");
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of block) sum += b;
  if (spec.corruptChecksum) sum += 1;
  block.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
  return block;
}

function pad(data: Buffer): Buffer {
  const rest = data.length % 512;
  return rest === 0 ? data : Buffer.concat([data, Buffer.alloc(512 - rest)]);
}

function paxBody(records: Record<string, string>): Buffer {
  let out = "";
  for (const [k, v] of Object.entries(records)) {
    const body = ` ${k}=${v}\n`;
    let len = body.length + 1;
    while (`${len}${body}`.length !== len) len = `${len}${body}`.length;
    out += `${len}${body}`;
  }
  return Buffer.from(out, "utf8");
}

/** Build a whole tar: entries then two zero blocks (unless `end: false`). */
export function buildTar(entries: readonly TarSpec[], options: { end?: boolean } = {}): Buffer {
  const parts: Buffer[] = [];
  for (const spec of entries) {
    if (spec.pax) {
      const body = paxBody(spec.pax);
      parts.push(tarHeader({ name: "PaxHeaders/x" }, body.length, "x"), pad(body));
    }
    const content = Buffer.from(spec.content ?? "");
    const type = spec.type ?? "file";
    const size = spec.size ?? (type === "file" ? content.length : 0);
    parts.push(tarHeader(spec, size, FLAGS[type]));
    if (type === "file" && content.length > 0) parts.push(pad(content));
  }
  if (options.end !== false) parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** An async iterable over a buffer in small chunks, as a network stream would deliver it. */
export async function* chunked(data: Buffer, size = 7000): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}
