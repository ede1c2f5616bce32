/**
 * Byte rates as people write them (`500KiB/s`, `20MiB/s`, `1GB/s`, `1500000`): a positive
 * number, an optional unit (B, kB/KB, MB, GB, TB in powers of 1000; KiB, MiB, GiB, TiB in
 * powers of 1024; case-insensitive) and an optional `/s`.
 */

const UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** Thrown by {@link parseByteRate} for text that is not a positive byte rate. */
export class ByteRateSyntaxError extends Error {
  override readonly name = "ByteRateSyntaxError";
  constructor(readonly text: string) {
    super(
      `${JSON.stringify(text)} is not a byte rate: write a positive number with an optional unit, such as 500KiB/s, 20MiB/s or 1GB/s`,
    );
  }
}

/** Bytes per second that `text` names (see the module comment), rounded down to whole bytes. */
export function parseByteRate(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)\s*(?:\/\s*s(?:ec)?)?\s*$/i.exec(text);
  const unit = match ? UNITS[(match[2] || "b").toLowerCase()] : undefined;
  if (!match || unit === undefined) throw new ByteRateSyntaxError(text);
  const bytes = Math.floor(Number(match[1]) * unit);
  if (!(bytes >= 1) || !Number.isFinite(bytes)) throw new ByteRateSyntaxError(text);
  return bytes;
}

/** A rate for messages: `20 MiB/s`, `500 KiB/s`, `300 B/s`. */
export function formatByteRate(bytesPerSecond: number): string {
  for (const [unit, size] of [
    ["GiB", 1024 ** 3],
    ["MiB", 1024 ** 2],
    ["KiB", 1024],
  ] as const) {
    if (bytesPerSecond >= size) return `${Number((bytesPerSecond / size).toFixed(2))} ${unit}/s`;
  }
  return `${bytesPerSecond} B/s`;
}
