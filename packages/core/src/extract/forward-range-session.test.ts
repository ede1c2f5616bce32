import { describe, expect, it } from "vitest";
import { type FileReader, OutsideReadWindowError, ReadTooLargeError } from "./file-reader.js";
import { collectRanges, type ForwardSource, runForwardRangeSession } from "./forward-range-session.js";

/** A forward-only source over a buffer that counts what it hands out and what it skips. */
function sourceOver(content: Buffer, options: { truncateAt?: number } = {}) {
  let consumed = 0;
  const counts = { read: 0, skipped: 0 };
  const stop = options.truncateAt ?? content.length;
  const source: ForwardSource = {
    path: "/bin/test",
    size: content.length,
    get consumed() {
      return consumed;
    },
    readNext: async (length) => {
      const n = Math.min(length, content.length - consumed);
      if (consumed + n > stop) throw new Error("layer truncated");
      const out = Buffer.from(content.subarray(consumed, consumed + n));
      consumed += n;
      counts.read += n;
      return out;
    },
    skipNext: async (length) => {
      const n = Math.min(length, content.length - consumed);
      if (consumed + n > stop) throw new Error("layer truncated");
      consumed += n;
      counts.skipped += n;
    },
  };
  return { source, counts };
}

/** 8 MiB where every byte says where it is (its offset modulo 251). */
const big = Buffer.alloc(8 * 1024 * 1024);
for (let i = 0; i < big.length; i++) big[i] = i % 251;
const expectBytesAt = (data: Buffer, offset: number) => {
  for (let i = 0; i < data.length; i++) expect(data[i]).toBe((offset + i) % 251);
};

describe("runForwardRangeSession", () => {
  it("serves interleaved readers from one forward pass, reading only near what they ask", async () => {
    const { source, counts } = sourceOver(big);
    const seen: string[] = [];
    const reader = (name: string, offsets: number[]) => async (file: FileReader) => {
      for (const offset of offsets) {
        const data = await file.readAt(offset, 100);
        expectBytesAt(data, offset);
        seen.push(`${name}@${offset}`);
      }
      return name;
    };
    const outcomes = await runForwardRangeSession(source, [
      reader("a", [0, 3_000_000, 7_000_000]),
      reader("b", [64, 5_000_000]),
    ]);
    expect(outcomes).toEqual([
      { status: "done", value: "a" },
      { status: "done", value: "b" },
    ]);
    // The file advances to the nearest request each time, so the reads come in offset order.
    expect(seen).toEqual(["a@0", "b@64", "a@3000000", "b@5000000", "a@7000000"]);
    // At most the window before each request plus the request itself was read.
    expect(counts.read).toBeLessThanOrEqual(4 * (64 * 1024 + 100) + 164);
  });

  it("reads a little behind from the window, and asks for a pass for reads further back", async () => {
    const { source } = sourceOver(big);
    const outcomes = await runForwardRangeSession(source, [
      async (file) => {
        await file.readAt(4_000_000, 16);
        // 1 KiB behind: still in the 64 KiB window kept before the last read.
        expectBytesAt(await file.readAt(4_000_000 - 1024, 16), 4_000_000 - 1024);
        await file.readAt(100, 16);
        return "unreachable";
      },
    ]);
    expect(outcomes[0]).toEqual({
      status: "needs-pass",
      ranges: [
        { offset: 4_000_000, end: 4_000_016 },
        { offset: 4_000_000 - 1024, end: 4_000_000 - 1024 + 16 },
        { offset: 100, end: 116 },
      ],
    });
  });

  it("asks for a pass even when the reader catches the window error and goes on", async () => {
    const { source } = sourceOver(big);
    const outcomes = await runForwardRangeSession(source, [
      async (file) => {
        await file.readAt(1_000_000, 4);
        await file.readAt(0, 4).catch((e: unknown) => expect(e).toBeInstanceOf(OutsideReadWindowError));
        return "partial";
      },
    ]);
    expect(outcomes[0]!.status).toBe("needs-pass");
  });

  it("serves a read longer than the window, reads that start in the window, and clips at the end", async () => {
    const { source } = sourceOver(big);
    const outcomes = await runForwardRangeSession(source, [
      async (file) => {
        expectBytesAt(await file.readAt(10, 200_000), 10);
        expectBytesAt(await file.readAt(150_000, 100_000), 150_000);
        const tail = await file.readAt(big.length - 10, 100);
        expect(tail.length).toBe(10);
        expect((await file.readAt(big.length + 5, 10)).length).toBe(0);
        return "ok";
      },
    ]);
    expect(outcomes[0]).toEqual({ status: "done", value: "ok" });
  });

  it("fails a reader on a read over the limit or a truncated layer, not the others", async () => {
    const { source } = sourceOver(big, { truncateAt: 2_000_000 });
    const outcomes = await runForwardRangeSession<number>(source, [
      async (file) => (await file.readAt(0, 17 * 1024 * 1024)).length,
      async (file) => (await file.readAt(1_000_000, 10)).length,
      async (file) => (await file.readAt(3_000_000, 10)).length,
    ]);
    expect(outcomes[0]!.status).toBe("failed");
    expect((outcomes[0] as { error: unknown }).error).toBeInstanceOf(ReadTooLargeError);
    expect(outcomes[1]).toEqual({ status: "done", value: 10 });
    expect(outcomes[2]!.status).toBe("failed");
    expect(String((outcomes[2] as { error: unknown }).error)).toMatch(/truncated/);
  });

  it("collects ranges on a later pass, merged, and serves them before reading on", async () => {
    const { source, counts } = sourceOver(big);
    const prefetched = await collectRanges(
      source,
      [
        { offset: 500, end: 600 },
        { offset: 550, end: 700 },
        { offset: 6_000_000, end: 6_000_010 },
      ],
      1024 * 1024,
    );
    expect(Array.isArray(prefetched) && prefetched.map((r) => [r.offset, r.end])).toEqual([
      [500, 700],
      [6_000_000, 6_000_010],
    ]);
    if (!Array.isArray(prefetched)) throw new Error("over limit");
    expect(counts.read).toBe(210);
    const outcomes = await runForwardRangeSession(
      source,
      [
        async (file) => {
          expectBytesAt(await file.readAt(600, 50), 600);
          expectBytesAt(await file.readAt(7_000_000, 50), 7_000_000);
          return "again";
        },
      ],
      { prefetched },
    );
    expect(outcomes[0]).toEqual({ status: "done", value: "again" });
    expect(await collectRanges(sourceOver(big).source, [{ offset: 0, end: 5000 }], 4096)).toEqual({
      overLimit: 5000,
    });
  });
});
