import type { ElfHeader } from "./elf-header.js";

/** One entry of a note segment or section: its owner name and type (the descriptor is not kept). */
export interface ElfNote {
  readonly name: string;
  readonly type: number;
}

/**
 * The notes in the bytes of a PT_NOTE segment (gABI "Note Section": namesz, descsz, type,
 * then name and descriptor, each padded to 4 bytes). Stops quietly at the first malformed
 * entry: notes are only a hint here, never a reason for an issue.
 */
export function parseNotes(header: ElfHeader, bytes: Buffer): ElfNote[] {
  const f = header.fields(bytes);
  const notes: ElfNote[] = [];
  let at = 0;
  while (at + 12 <= bytes.length) {
    const nameSize = f.u32(at);
    const descSize = f.u32(at + 4);
    const type = f.u32(at + 8);
    const nameEnd = at + 12 + nameSize;
    const next = at + 12 + pad4(nameSize) + pad4(descSize);
    if (nameEnd > bytes.length || next > bytes.length) break;
    // The name includes its NUL terminator (Go writes "Go\0\0" with namesz 4).
    const name = bytes.toString("latin1", at + 12, nameEnd).replace(/\0+$/, "");
    notes.push({ name, type });
    at = next;
  }
  return notes;
}

function pad4(size: number): number {
  // Not `& ~3`: bitwise operators truncate to 32 signed bits and sizes are unsigned 32-bit.
  return Math.ceil(size / 4) * 4;
}
