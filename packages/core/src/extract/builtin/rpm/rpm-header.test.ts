import { describe, expect, it } from "vitest";
import {
  isHeaderProblem,
  parseRpmHeader,
  type RpmHeader,
  RpmType,
  readInteger,
  readString,
  readStringArray,
} from "./rpm-header.js";
import { RpmTag } from "./rpm-tags.js";
import { buildHeaderBlob, type EntrySpec } from "./test-support/header-builder.js";

function parsed(entries: readonly EntrySpec[]): RpmHeader {
  const header = parseRpmHeader(buildHeaderBlob(entries));
  if (isHeaderProblem(header)) throw new Error(header.problem);
  return header;
}

function problemOf(blob: Buffer): string {
  const header = parseRpmHeader(blob);
  if (!isHeaderProblem(header)) throw new Error("expected a problem");
  return header.problem;
}

describe("parseRpmHeader", () => {
  it("reads strings, string arrays, i18n strings and integers", () => {
    const header = parsed([
      { tag: RpmTag.NAME, type: RpmType.STRING, value: "curl" },
      { tag: 1004, type: RpmType.I18NSTRING, value: ["A summary", "Une description"] },
      { tag: RpmTag.EPOCH, type: RpmType.INT32, value: [7] },
      { tag: 1117, type: RpmType.STRING_ARRAY, value: ["a", "", "b"] },
      { tag: 1030, type: RpmType.INT16, value: [0o100644, 0o40755] },
      { tag: 1009, type: RpmType.INT64, value: [2 ** 40] },
      { tag: 1045, type: RpmType.CHAR, value: [65] },
    ]);
    expect(readString(header, RpmTag.NAME)).toBe("curl");
    expect(readString(header, 1004)).toBe("A summary");
    expect(readInteger(header, RpmTag.EPOCH)).toBe(7);
    expect(readStringArray(header, 1117)).toEqual(["a", "", "b"]);
    expect(readInteger(header, 1030)).toBe(0o100644);
    expect(readInteger(header, 1009)).toBe(2 ** 40);
    expect(readInteger(header, 1045)).toBe(65);
    expect(readString(header, RpmTag.VERSION)).toBeUndefined();
    expect(readInteger(header, 4242)).toBeUndefined();
  });

  it("lets a later entry of the same tag win, as rpm's dribble entries do", () => {
    const header = parsed([
      { tag: RpmTag.NAME, type: RpmType.STRING, value: "old" },
      { tag: RpmTag.NAME, type: RpmType.STRING, value: "new" },
    ]);
    expect(readString(header, RpmTag.NAME)).toBe("new");
  });

  it("keeps Latin-1 text readable instead of replacing it", () => {
    const latin1 = Buffer.concat([Buffer.from("Soci\xe9t\xe9", "latin1"), Buffer.alloc(1)]);
    const header = parsed([{ tag: RpmTag.VENDOR, type: RpmType.STRING, value: latin1, count: 1 }]);
    expect(readString(header, RpmTag.VENDOR)).toBe("Société");
  });

  it("reports a type mismatch as a problem value", () => {
    const header = parsed([
      { tag: RpmTag.NAME, type: RpmType.INT32, value: [1] },
      { tag: RpmTag.EPOCH, type: RpmType.STRING, value: "1" },
    ]);
    expect(isHeaderProblem(readString(header, RpmTag.NAME))).toBe(true);
    expect(isHeaderProblem(readInteger(header, RpmTag.EPOCH))).toBe(true);
  });

  it("refuses an index entry that points outside the data store", () => {
    const blob = buildHeaderBlob([
      { tag: RpmTag.NAME, type: RpmType.STRING, value: "curl" },
      { tag: RpmTag.VERSION, type: RpmType.STRING, value: "1", offset: 4096 },
    ]);
    expect(problemOf(blob)).toMatch(/entry 1 \(tag 1001\): offset 4096 is outside the 7-byte data store/);
    const negative = buildHeaderBlob([{ tag: RpmTag.NAME, type: RpmType.STRING, value: "x", offset: -8 }]);
    expect(problemOf(negative)).toMatch(/offset -8/);
  });

  it("refuses fixed-size values that run past the data store", () => {
    const blob = buildHeaderBlob([{ tag: RpmTag.EPOCH, type: RpmType.INT32, value: [1], count: 2 }]);
    expect(problemOf(blob)).toMatch(/2 values of 4 bytes at offset 0 run past the data store/);
    const huge = buildHeaderBlob([
      { tag: 1117, type: RpmType.STRING_ARRAY, value: ["a"], count: 0xffffffff },
    ]);
    expect(problemOf(huge)).toMatch(/count 4294967295 does not fit/);
  });

  it("refuses unknown types, empty counts and multi-valued STRING entries", () => {
    expect(problemOf(buildHeaderBlob([{ tag: 1000, type: 17, value: Buffer.from("x") }]))).toMatch(
      /unknown data type 17/,
    );
    expect(
      problemOf(buildHeaderBlob([{ tag: 1000, type: RpmType.BIN, value: Buffer.from("x"), count: 0 }])),
    ).toMatch(/count 0/);
    expect(problemOf(buildHeaderBlob([{ tag: 1000, type: RpmType.STRING, value: "a", count: 2 }]))).toMatch(
      /must have count 1/,
    );
  });

  it("refuses blobs whose size disagrees with their preamble", () => {
    const blob = buildHeaderBlob([{ tag: RpmTag.NAME, type: RpmType.STRING, value: "curl" }]);
    expect(problemOf(blob.subarray(0, blob.length - 1))).toMatch(/need 29/);
    expect(problemOf(Buffer.concat([blob, Buffer.alloc(3)]))).toMatch(/is 32 bytes/);
    expect(problemOf(Buffer.alloc(5))).toMatch(/shorter than its 8-byte preamble/);
    expect(problemOf(Buffer.alloc(8))).toMatch(/no index entries/);
    const tooMany = Buffer.alloc(8);
    tooMany.writeUInt32BE(0x01000000, 0);
    expect(problemOf(tooMany)).toMatch(/more than rpm allows/);
    const tooMuchData = Buffer.alloc(8);
    tooMuchData.writeUInt32BE(1, 0);
    tooMuchData.writeUInt32BE(0x40000000, 4);
    expect(problemOf(tooMuchData)).toMatch(/more than rpm allows/);
  });

  it("reports an unterminated string when it is read, not before", () => {
    const header = parsed([
      { tag: RpmTag.NAME, type: RpmType.STRING, value: "curl" },
      { tag: 1117, type: RpmType.STRING_ARRAY, value: Buffer.from("abc"), count: 1 },
    ]);
    expect(readString(header, RpmTag.NAME)).toBe("curl");
    expect(readString(header, 1117)).toEqual({ problem: expect.stringMatching(/no terminator/) });
    expect(readStringArray(header, 1117)).toEqual({
      problem: expect.stringMatching(/runs past the data store/),
    });
  });

  it("never reads outside the blob whatever its bytes (exhaustive single-byte corruption)", () => {
    const blob = buildHeaderBlob([
      { tag: RpmTag.NAME, type: RpmType.STRING, value: "curl" },
      { tag: RpmTag.EPOCH, type: RpmType.INT32, value: [1] },
      { tag: 1117, type: RpmType.STRING_ARRAY, value: ["a", "bc"] },
      { tag: 1009, type: RpmType.INT64, value: [5] },
    ]);
    for (let at = 0; at < blob.length; at++) {
      for (const byte of [0x00, 0x01, 0x7f, 0x80, 0xff]) {
        const copy = Buffer.from(blob);
        copy[at] = byte;
        const header = parseRpmHeader(copy);
        if (isHeaderProblem(header)) continue;
        for (const tag of [RpmTag.NAME, RpmTag.EPOCH, 1117, 1009]) {
          readString(header, tag);
          readStringArray(header, tag);
          readInteger(header, tag);
        }
      }
    }
  });
});
