import fc from "fast-check";

/**
 * Mutations of real input bytes, the way a coverage-blind fuzzer damages a corpus: bit flips,
 * overwritten bytes, truncation, cut and repeated ranges, inserted random bytes, splices of two
 * fixtures, integers written over length fields, and tokens that matter to text formats.
 *
 * A mutation holds positions as plain numbers taken modulo the input's length when it is
 * applied, so fast-check prints a failing input as the fixture's name and a short list of
 * mutations (not megabytes of bytes), and shrinks it towards fewer and earlier mutations.
 */
export type ByteMutation =
  | { readonly op: "flip"; readonly at: number; readonly bit: number }
  | { readonly op: "set"; readonly at: number; readonly value: number }
  | { readonly op: "truncate"; readonly at: number }
  | { readonly op: "cut"; readonly at: number; readonly length: number }
  | { readonly op: "insert"; readonly at: number; readonly bytes: Uint8Array }
  | { readonly op: "repeat"; readonly at: number; readonly length: number; readonly times: number }
  | { readonly op: "splice"; readonly at: number; readonly donor: number; readonly donorAt: number }
  | {
      readonly op: "integer";
      readonly at: number;
      readonly width: 1 | 2 | 4 | 8;
      readonly littleEndian: boolean;
      /** A value to write, or a change to the value already there (a length off by a little). */
      readonly value: { readonly fixed: bigint } | { readonly delta: number };
    }
  | { readonly op: "token"; readonly at: number; readonly token: string };

/** A fixture of a corpus and what to do to it. */
export interface MutationPlan {
  readonly fixture: string;
  readonly mutations: readonly ByteMutation[];
}

/** Values that sit on the edges of length and offset fields. */
const INTERESTING_INTEGERS: readonly bigint[] = [
  0n,
  1n,
  0x7fn,
  0x80n,
  0xffn,
  0x100n,
  0x7fffn,
  0x8000n,
  0xffffn,
  0x10000n,
  0x7fffffffn,
  0x80000000n,
  0xffffffffn,
  0x100000000n,
  0x1fffffffffffffn,
  0x8000000000000000n,
  0xffffffffffffffffn,
];

/** Bytes that mean something to the text formats among the parsers (JSON, YAML, RFC 822, INI). */
const TEXT_TOKENS: readonly string[] = [
  "\n",
  "\r\n",
  "\n\n",
  "\0",
  "\t",
  " ",
  ":",
  "=",
  "#",
  "-",
  "- ",
  "{",
  "}",
  "[",
  "]",
  '"',
  "'",
  "\\",
  ",",
  "/",
  "../",
  "@",
  "&a ",
  "*a",
  "!!binary ",
  "%",
  "${",
  "\u00ff",
  "\ufffd",
  "\u202e",
  "\ud83d\ude00",
  "__proto__",
  "constructor",
  "NaN",
  "-1",
  "1e309",
  "0x10",
  "99999999999999999999",
  "9".repeat(400),
  "a".repeat(20_000),
  "[".repeat(5_000),
  "- ".repeat(2_000),
];

const position = fc.nat();

const mutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant("flip"), at: position, bit: fc.nat(7) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("set"), at: position, value: fc.nat(255) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("truncate"), at: position }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant("cut"), at: position, length: fc.integer({ min: 1, max: 600 }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("insert"),
      at: position,
      bytes: fc.uint8Array({ minLength: 1, maxLength: 32 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("repeat"),
      at: position,
      length: fc.integer({ min: 1, max: 512 }),
      times: fc.integer({ min: 1, max: 64 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant("splice"), at: position, donor: fc.nat(), donorAt: position }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("integer"),
      at: position,
      width: fc.constantFrom(1 as const, 2 as const, 4 as const, 8 as const),
      littleEndian: fc.boolean(),
      value: fc.oneof(
        fc.record({ fixed: fc.constantFrom(...INTERESTING_INTEGERS) }),
        fc.record({
          delta: fc.oneof(fc.integer({ min: -16, max: 16 }), fc.constantFrom(-4096, -512, 512, 4096)),
        }),
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant("token"), at: position, token: fc.constantFrom(...TEXT_TOKENS) }),
  },
);

/** One to four mutations: enough to get past a first check and damage what follows it. */
export const byteMutations: fc.Arbitrary<readonly ByteMutation[]> = fc.array(mutation, {
  minLength: 1,
  maxLength: 4,
});

/** Apply mutations in order; `donors` are the corpus's fixtures, for splices. */
export function applyMutations(
  input: Buffer,
  mutations: readonly ByteMutation[],
  donors: readonly Buffer[],
): Buffer {
  let bytes: Buffer = Buffer.from(input);
  for (const m of mutations) bytes = applyOne(bytes, m, donors);
  return bytes;
}

function applyOne(bytes: Buffer, m: ByteMutation, donors: readonly Buffer[]): Buffer {
  const at = m.at % (bytes.length + 1);
  switch (m.op) {
    case "flip":
      if (at < bytes.length) bytes[at] = bytes[at]! ^ (1 << m.bit);
      return bytes;
    case "set":
      if (at < bytes.length) bytes[at] = m.value;
      return bytes;
    case "truncate":
      return bytes.subarray(0, at);
    case "cut":
      return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + m.length)]);
    case "insert":
      return Buffer.concat([bytes.subarray(0, at), m.bytes, bytes.subarray(at)]);
    case "repeat": {
      const range = bytes.subarray(at, at + m.length);
      return Buffer.concat([
        bytes.subarray(0, at),
        ...Array(m.times + 1).fill(range),
        bytes.subarray(at + m.length),
      ]);
    }
    case "splice": {
      const donor = donors.length > 0 ? donors[m.donor % donors.length]! : bytes;
      return Buffer.concat([bytes.subarray(0, at), donor.subarray(m.donorAt % (donor.length + 1))]);
    }
    case "integer":
      return writeInteger(bytes, at, m.width, m.littleEndian, m.value);
    case "token":
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(m.token, "utf8"), bytes.subarray(at)]);
  }
}

function writeInteger(
  bytes: Buffer,
  at: number,
  width: 1 | 2 | 4 | 8,
  littleEndian: boolean,
  value: { readonly fixed: bigint } | { readonly delta: number },
): Buffer {
  if (at + width > bytes.length) return bytes;
  const bits = BigInt(width * 8);
  const mask = (1n << bits) - 1n;
  const current = readUnsigned(bytes, at, width, littleEndian);
  const next = ("fixed" in value ? value.fixed : current + BigInt(value.delta)) & mask;
  for (let i = 0; i < width; i++) {
    const byte = Number((next >> BigInt(8 * i)) & 0xffn);
    bytes[littleEndian ? at + i : at + width - 1 - i] = byte;
  }
  return bytes;
}

function readUnsigned(bytes: Buffer, at: number, width: number, littleEndian: boolean): bigint {
  let value = 0n;
  for (let i = 0; i < width; i++) {
    const byte = BigInt(bytes[littleEndian ? at + width - 1 - i : at + i]!);
    value = (value << 8n) | byte;
  }
  return value;
}
