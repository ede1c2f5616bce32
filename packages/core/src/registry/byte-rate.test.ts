import { describe, expect, it } from "vitest";
import { ByteRateSyntaxError, formatByteRate, parseByteRate } from "./byte-rate.js";

describe("parseByteRate", () => {
  it.each([
    ["500KiB/s", 512_000],
    ["20MiB/s", 20 * 1024 * 1024],
    ["1GB/s", 1e9],
    ["1.5 MB/s", 1_500_000],
    ["64kb", 64_000],
    ["1500000", 1_500_000],
    ["2 mib/sec", 2 * 1024 * 1024],
    ["100B/s", 100],
  ])("reads %s as %d bytes per second", (text, bytes) => {
    expect(parseByteRate(text)).toBe(bytes);
  });

  it.each(["", "fast", "20MiBs", "-1MiB/s", "0", "0.1B/s", "20 MiB/min", "1e3", "20XB/s"])(
    "refuses %j, saying how to write a rate",
    (text) => {
      expect(() => parseByteRate(text)).toThrow(ByteRateSyntaxError);
      expect(() => parseByteRate(text)).toThrow(/such as 500KiB\/s, 20MiB\/s or 1GB\/s/);
    },
  );
});

describe("formatByteRate", () => {
  it("writes the largest binary unit that fits", () => {
    expect(formatByteRate(20 * 1024 * 1024)).toBe("20 MiB/s");
    expect(formatByteRate(512_000)).toBe("500 KiB/s");
    expect(formatByteRate(300)).toBe("300 B/s");
  });
});
