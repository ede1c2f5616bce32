import { crc32 } from "node:zlib";

/**
 * CRC-32 as zip uses it (ISO-HDLC, the one zlib computes), continuing from `previous` so
 * data read in chunks can be checked without joining it. Node has it natively since 20.15.
 */
export function zipCrc32(data: Uint8Array, previous = 0): number {
  return crc32(data, previous);
}
