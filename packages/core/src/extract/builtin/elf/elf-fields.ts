/**
 * Endian- and class-aware reads of ELF header fields from a buffer. Addresses and offsets of
 * ELF64 are 64-bit; a value above `Number.MAX_SAFE_INTEGER` cannot be a real file offset or
 * size, so it becomes `Infinity` and fails every later bounds check instead of wrapping.
 */
export interface ElfFields {
  u8(offset: number): number;
  u16(offset: number): number;
  u32(offset: number): number;
  /** An address, offset or size: 4 bytes in ELF32, 8 in ELF64. */
  word(offset: number): number;
  u64(offset: number): number;
}

/** Field reads over `buffer` for one ELF class and byte order. */
export function elfFields(buffer: Buffer, is64: boolean, littleEndian: boolean): ElfFields {
  const u32 = (offset: number) => (littleEndian ? buffer.readUInt32LE(offset) : buffer.readUInt32BE(offset));
  const u64 = (offset: number) => {
    const value = littleEndian ? buffer.readBigUInt64LE(offset) : buffer.readBigUInt64BE(offset);
    return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.POSITIVE_INFINITY : Number(value);
  };
  return {
    u8: (offset) => buffer.readUInt8(offset),
    u16: (offset) => (littleEndian ? buffer.readUInt16LE(offset) : buffer.readUInt16BE(offset)),
    u32,
    word: is64 ? u64 : u32,
    u64,
  };
}
