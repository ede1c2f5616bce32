import { describe, expect, it } from "vitest";
import { createBufferFileReader, OutsideReadWindowError } from "../../file-reader.js";
import { createRetainingReader } from "./retaining-reader.js";
import { createForwardOnlyReader } from "./test-support/forward-only-reader.js";

const content = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

describe("createRetainingReader", () => {
  it("serves bytes it has read from memory and reads only the rest, forward", async () => {
    const host = createForwardOnlyReader(content);
    const reader = createRetainingReader(host);
    expect(await reader.readAt(0, 64)).toEqual(content.subarray(0, 64));
    // An ELF32 program header table at 52 overlaps the 64 header bytes already read.
    expect(await reader.readAt(52, 32)).toEqual(content.subarray(52, 84));
    expect(await reader.readAt(10, 20)).toEqual(content.subarray(10, 30));
    expect(host.reads).toEqual([
      { offset: 0, length: 64 },
      { offset: 64, length: 20 },
    ]);
  });

  it("fills a gap between kept ranges without reading them again", async () => {
    const host = createBufferFileReader(content);
    const seen: [number, number][] = [];
    const reader = createRetainingReader({
      size: host.size,
      readAt: (o, l) => {
        seen.push([o, l]);
        return host.readAt(o, l);
      },
    });
    await reader.readAt(0, 16);
    await reader.readAt(32, 16);
    expect(await reader.readAt(8, 48)).toEqual(content.subarray(8, 56));
    expect(seen).toEqual([
      [0, 16],
      [32, 16],
      [16, 16],
      [48, 8],
    ]);
  });

  it("clips at the end of the file like the reader it wraps", async () => {
    const reader = createRetainingReader(createBufferFileReader(content));
    expect(await reader.readAt(250, 100)).toEqual(content.subarray(250));
    expect(await reader.readAt(300, 10)).toEqual(Buffer.alloc(0));
  });

  it("lets the host's errors through and forgets the oldest bytes past its budget", async () => {
    const reader = createRetainingReader(createForwardOnlyReader(content), 100);
    await reader.readAt(0, 64);
    await reader.readAt(64, 64); // 128 bytes kept > 100: the first range is dropped
    await expect(reader.readAt(0, 8)).rejects.toBeInstanceOf(OutsideReadWindowError);
  });
});
