/**
 * One rpm header blob, as the package databases store it: the header structure of an rpm file
 * without its 8-byte magic. Layout (all numbers big-endian), per rpm's file format
 * documentation (https://rpm-software-management.github.io/rpm/manual/format_header.html):
 *
 *   il (u32)  number of index entries
 *   dl (u32)  length of the data store
 *   il x 16   index entries {tag i32, type u32, offset i32, count u32}
 *   dl bytes  data store; each entry's value lives at `offset` inside it
 *
 * Every read is bounds-checked: a damaged blob gives a problem value, never an exception and
 * never a read outside the blob. Structure (types, offsets, fixed-size extents) is checked when
 * the blob is parsed; string terminators are checked when a string is read, so a package whose
 * unused file lists are damaged is still readable, as far as the tags we use go.
 */
import { isUtf8 } from "node:buffer";

/** rpm's data types (`rpmTagType` in rpm's `rpmtag.h`). */
export const RpmType = {
  NULL: 0,
  CHAR: 1,
  INT8: 2,
  INT16: 3,
  INT32: 4,
  INT64: 5,
  STRING: 6,
  BIN: 7,
  STRING_ARRAY: 8,
  I18NSTRING: 9,
} as const;

/** One index entry. `offset` is relative to the start of the data store. */
export interface RpmIndexEntry {
  readonly tag: number;
  readonly type: number;
  readonly offset: number;
  readonly count: number;
}

/** A parsed header: the index and a view of the data store (no copy of the blob). */
export interface RpmHeader {
  readonly entries: readonly RpmIndexEntry[];
  readonly store: Buffer;
  /** Tag to entry. When a tag occurs twice the later entry wins (see {@link parseRpmHeader}). */
  readonly byTag: ReadonlyMap<number, RpmIndexEntry>;
}

/** Why a blob, or one value in it, could not be read. */
export interface RpmHeaderProblem {
  readonly problem: string;
}

/** rpm refuses headers with more index entries or data than this (`hdrchkTags`/`hdrchkData`). */
const MAX_INDEX_ENTRIES = 0x00ffffff;
const MAX_DATA_LENGTH = 0x3fffffff;
const ENTRY_SIZE = 16;

/** Size in bytes of one element of the fixed-size types; strings are variable (0 here). */
const ELEMENT_SIZE: readonly number[] = [0, 1, 1, 2, 4, 8, 0, 1, 0, 0];

/** True when the value is a problem rather than a result. */
export function isHeaderProblem(value: unknown): value is RpmHeaderProblem {
  return typeof value === "object" && value !== null && "problem" in value;
}

/**
 * Parse one header blob. The blob must be exactly `8 + 16 * il + dl` bytes long, as rpm itself
 * requires (`hdrblobInit`): a shorter one is truncated and a longer one is not what the
 * database says it is.
 *
 * Duplicate tags: entries after the immutable region ("dribbles", added at install time) replace
 * region entries with the same tag when rpm imports a header, so the last entry of a tag wins.
 */
export function parseRpmHeader(blob: Buffer): RpmHeader | RpmHeaderProblem {
  if (blob.length < 8)
    return { problem: `header blob is ${blob.length} bytes, shorter than its 8-byte preamble` };
  const il = blob.readUInt32BE(0);
  const dl = blob.readUInt32BE(4);
  if (il === 0) return { problem: "header has no index entries" };
  if (il > MAX_INDEX_ENTRIES) return { problem: `header declares ${il} index entries, more than rpm allows` };
  if (dl > MAX_DATA_LENGTH) return { problem: `header declares ${dl} data bytes, more than rpm allows` };
  const expected = 8 + il * ENTRY_SIZE + dl;
  if (blob.length !== expected) {
    return {
      problem: `header blob is ${blob.length} bytes but its index (${il} entries) and data (${dl} bytes) need ${expected}`,
    };
  }
  const storeStart = 8 + il * ENTRY_SIZE;
  const store = blob.subarray(storeStart, storeStart + dl);
  const entries: RpmIndexEntry[] = new Array(il);
  const byTag = new Map<number, RpmIndexEntry>();
  for (let i = 0; i < il; i++) {
    const at = 8 + i * ENTRY_SIZE;
    const entry: RpmIndexEntry = {
      tag: blob.readInt32BE(at),
      type: blob.readUInt32BE(at + 4),
      offset: blob.readInt32BE(at + 8),
      count: blob.readUInt32BE(at + 12),
    };
    const bad = checkEntry(entry, dl);
    if (bad !== undefined) return { problem: `index entry ${i} (tag ${entry.tag}): ${bad}` };
    entries[i] = entry;
    byTag.set(entry.tag, entry);
  }
  return { entries, store, byTag };
}

/** Structural checks that need no scan of the data: type, count, offset and fixed extents. */
function checkEntry(entry: RpmIndexEntry, dl: number): string | undefined {
  if (entry.type > RpmType.I18NSTRING) return `unknown data type ${entry.type}`;
  if (entry.count === 0 || entry.count > dl)
    return `count ${entry.count} does not fit a ${dl}-byte data store`;
  if (entry.offset < 0 || entry.offset >= dl)
    return `offset ${entry.offset} is outside the ${dl}-byte data store`;
  const size = ELEMENT_SIZE[entry.type] ?? 0;
  if (size > 0 && entry.offset + size * entry.count > dl) {
    return `${entry.count} values of ${size} bytes at offset ${entry.offset} run past the data store`;
  }
  if ((entry.type === RpmType.STRING || entry.type === RpmType.NULL) && entry.count !== 1) {
    return `type ${entry.type} must have count 1, has ${entry.count}`;
  }
  return undefined;
}

/**
 * The first string of a STRING, STRING_ARRAY or I18NSTRING entry (for I18N strings, the first
 * is the untranslated "C" locale text, which is what `rpm -q` prints by default). `undefined`
 * when the tag is absent.
 */
export function readString(header: RpmHeader, tag: number): string | undefined | RpmHeaderProblem {
  const entry = header.byTag.get(tag);
  if (entry === undefined) return undefined;
  if (!isStringType(entry.type)) return { problem: `tag ${tag} has type ${entry.type}, not a string` };
  const end = header.store.indexOf(0, entry.offset);
  if (end < 0) return { problem: `string of tag ${tag} at offset ${entry.offset} has no terminator` };
  return decodeText(header.store, entry.offset, end);
}

/** Every string of a string-typed entry; `undefined` when the tag is absent. */
export function readStringArray(header: RpmHeader, tag: number): string[] | undefined | RpmHeaderProblem {
  const entry = header.byTag.get(tag);
  if (entry === undefined) return undefined;
  if (!isStringType(entry.type)) return { problem: `tag ${tag} has type ${entry.type}, not a string` };
  const out: string[] = [];
  let at = entry.offset;
  // `count <= dl` was checked at parse time and each string consumes at least one byte, so the
  // loop is bounded by the data store even for a hostile count.
  for (let i = 0; i < entry.count; i++) {
    const end = at < header.store.length ? header.store.indexOf(0, at) : -1;
    if (end < 0) return { problem: `string ${i} of tag ${tag} runs past the data store` };
    out.push(decodeText(header.store, at, end));
    at = end + 1;
  }
  return out;
}

/**
 * The first value of an integer entry (CHAR, INT8, INT16, INT32 unsigned, INT64 as a number,
 * exact up to 2^53); `undefined` when the tag is absent.
 */
export function readInteger(header: RpmHeader, tag: number): number | undefined | RpmHeaderProblem {
  const entry = header.byTag.get(tag);
  if (entry === undefined) return undefined;
  const { store } = header;
  const { offset } = entry;
  switch (entry.type) {
    case RpmType.CHAR:
    case RpmType.INT8:
      return store.readUInt8(offset);
    case RpmType.INT16:
      return store.readUInt16BE(offset);
    case RpmType.INT32:
      return store.readUInt32BE(offset);
    case RpmType.INT64:
      return Number(store.readBigUInt64BE(offset));
    default:
      return { problem: `tag ${tag} has type ${entry.type}, not an integer` };
  }
}

function isStringType(type: number): boolean {
  return type === RpmType.STRING || type === RpmType.STRING_ARRAY || type === RpmType.I18NSTRING;
}

/**
 * Header strings are bytes. Modern packages are UTF-8; old ones (CentOS 5 era) may carry
 * Latin-1 in vendor or summary, which we keep readable instead of turning into U+FFFD.
 */
function decodeText(store: Buffer, start: number, end: number): string {
  const bytes = store.subarray(start, end);
  return isUtf8(bytes) ? bytes.toString("utf8") : bytes.toString("latin1");
}
