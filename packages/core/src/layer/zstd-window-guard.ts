import { LayerError } from "./layer-errors.js";

/**
 * The largest zstd window a layer may ask for: 128 MiB, zstd's own default decoder limit
 * (`ZSTD_WINDOWLOG_LIMIT_DEFAULT`, window log 27), which Node's native decoder also applies.
 * The pure-JS decoder (fzstd, used before Node 22.15) allocates whatever window a frame header
 * declares, so a hostile 20-byte frame could make it allocate gigabytes before a single block
 * is decoded; this guard refuses such a frame first, with the same limit on every Node.
 */
export const MAX_ZSTD_WINDOW = 128 * 1024 * 1024;

const ZSTD_MAGIC = 0xfd2fb528;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const DICT_ID_SIZES = [0, 1, 2, 4] as const;

/**
 * Follows the frame structure of a zstd stream (frame headers, block headers; block contents
 * and skippable frames are skipped unread) and throws a LayerError when a frame declares a
 * window over `limit`. Anything it does not recognise is left to the decoder, which reports it.
 */
export class ZstdWindowGuard {
  /** Bytes of a header being collected; `want` says how many the current step needs. */
  private header: number[] = [];
  private want = 4;
  private skip = 0;
  private step: "magic" | "skippable-size" | "descriptor" | "frame-header" | "block" | "off" = "magic";
  private descriptor = 0;
  private frameStart = 0;
  private offset = 0;

  constructor(private readonly limit = MAX_ZSTD_WINDOW) {}

  /** Inspect the next chunk of the compressed stream. */
  check(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length && this.step !== "off") {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - at);
        this.skip -= n;
        at += n;
        continue;
      }
      this.header.push(chunk[at]!);
      at++;
      if (this.header.length === this.want) {
        const bytes = this.header;
        this.header = [];
        this.advance(bytes, this.offset + at - bytes.length);
      }
    }
    this.offset += chunk.length;
  }

  /** `at`: the stream offset of `bytes`' first byte. */
  private advance(bytes: number[], at: number): void {
    switch (this.step) {
      case "magic": {
        const magic = littleEndian(bytes) >>> 0;
        this.frameStart = at;
        if (magic === ZSTD_MAGIC) this.expect("descriptor", 1);
        else if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC) this.expect("skippable-size", 4);
        else this.step = "off";
        return;
      }
      case "skippable-size":
        this.skip = littleEndian(bytes);
        this.expect("magic", 4);
        return;
      case "descriptor": {
        const d = bytes[0]!;
        this.descriptor = d;
        const singleSegment = (d >> 5) & 1;
        const fcsFlag = d >> 6;
        const fcsSize = fcsFlag === 0 ? singleSegment : [0, 2, 4, 8][fcsFlag]!;
        this.expect("frame-header", (singleSegment ? 0 : 1) + DICT_ID_SIZES[d & 3]! + fcsSize);
        return;
      }
      case "frame-header": {
        const window = this.windowSize(bytes);
        if (window > this.limit) {
          throw new LayerError(
            "too-large",
            `zstd frame at byte ${this.frameStart} asks for a ${window}-byte window, over the ${this.limit}-byte limit`,
          );
        }
        this.expect("block", 3);
        return;
      }
      case "block": {
        const header = littleEndian(bytes);
        const last = header & 1;
        const type = (header >> 1) & 3;
        const size = header >>> 3;
        if (type === 3) {
          this.step = "off";
          return;
        }
        this.skip = type === 1 ? 1 : size;
        if (last) {
          const checksum = (this.descriptor >> 2) & 1;
          this.skip += checksum ? 4 : 0;
          this.expect("magic", 4);
        } else this.expect("block", 3);
        return;
      }
      default:
        return;
    }
  }

  /** The window size a frame header declares (RFC 8878 §3.1.1.1.2), the content size for single-segment frames. */
  private windowSize(bytes: number[]): number {
    const singleSegment = (this.descriptor >> 5) & 1;
    if (!singleSegment) {
      const wd = bytes[0]!;
      const base = 2 ** (10 + (wd >> 3));
      return base + (base / 8) * (wd & 7);
    }
    const fcsFlag = this.descriptor >> 6;
    const fcs = bytes.slice(DICT_ID_SIZES[this.descriptor & 3]!);
    const value = littleEndian(fcs);
    return fcsFlag === 1 ? value + 256 : value;
  }

  private expect(step: ZstdWindowGuard["step"], bytes: number): void {
    this.step = step;
    this.want = bytes;
  }
}

/** Unsigned little-endian integer of up to 8 bytes (as a float past 2^53: a size that large is refused anyway). */
function littleEndian(bytes: readonly number[]): number {
  let value = 0;
  for (let i = bytes.length - 1; i >= 0; i--) value = value * 256 + bytes[i]!;
  return value;
}
