import type { FileReader } from "../../file-reader.js";

/**
 * Bytes kept by {@link createRetainingReader} by default: more than any one structure the
 * extractors read (tables of 1 MiB, a `.dep-v0` section of 4 MiB, search chunks of 1 MiB).
 */
const DEFAULT_RETAIN_BYTES = 8 * 1024 * 1024;

interface Kept {
  readonly offset: number;
  readonly data: Buffer;
}

/**
 * A {@link FileReader} that keeps what it has read and serves any later request for those
 * bytes from memory, reading only the part it has not seen. ELF tables overlap in ways the
 * format allows (an ELF32 program header table starts at byte 52, inside the 64 bytes read
 * for the file header; a string table may sit inside a segment already scanned), and the
 * host's reader can only go forward: this way a re-read never becomes a read behind the
 * host's window, and the extractor code can simply ask for the bytes it needs.
 *
 * Errors of the underlying reader (above all `OutsideReadWindowError`) propagate unchanged.
 */
export function createRetainingReader(reader: FileReader, retainBytes = DEFAULT_RETAIN_BYTES): FileReader {
  const kept: Kept[] = [];
  let keptBytes = 0;
  const keep = (offset: number, data: Buffer) => {
    if (data.length === 0) return;
    kept.push({ offset, data });
    keptBytes += data.length;
    // Oldest first: the extractors read forward, so old bytes are the least likely to be asked again.
    while (keptBytes > retainBytes && kept.length > 1) keptBytes -= kept.shift()!.data.length;
  };
  return {
    size: reader.size,
    async readAt(offset, length) {
      const end = Math.min(offset + length, reader.size);
      const parts: Buffer[] = [];
      let position = offset;
      while (position < end) {
        const covering = kept.find((k) => k.offset <= position && position < k.offset + k.data.length);
        if (covering) {
          const stop = Math.min(end, covering.offset + covering.data.length);
          parts.push(covering.data.subarray(position - covering.offset, stop - covering.offset));
          position = stop;
          continue;
        }
        // Read up to the next kept range (if any), which is then served from memory.
        let stop = end;
        for (const k of kept) if (k.offset > position && k.offset < stop) stop = k.offset;
        const data = await reader.readAt(position, stop - position);
        keep(position, data);
        parts.push(data);
        if (data.length < stop - position) break; // end of file
        position = stop;
      }
      return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    },
  };
}
