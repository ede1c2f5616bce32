import fc from "fast-check";

/**
 * Structured tar archives with random header fields: byte mutations of a real tar mostly
 * break a header's checksum, and a walker stops at the first bad checksum. These archives
 * keep checksums right (mostly) and put hostile values in every other field: sizes in octal,
 * base-256 and garbage, every type flag, names that climb out of the root, PAX records whose
 * values and lengths lie, GNU long names, bodies shorter or longer than declared.
 */
export interface TarEntryPlan {
  readonly name: string;
  readonly linkName: string;
  readonly typeFlag: string;
  readonly size: SizeField;
  readonly mode: string;
  readonly magic: "ustar" | "gnu" | "v7";
  readonly prefix: string;
  readonly checksum: "right" | "wrong" | "garbage";
  /** Content bytes actually written, relative to the declared size. */
  readonly body: "declared" | "short" | "long" | "none";
  readonly pax?: readonly PaxRecord[];
  readonly longName?: string;
}

/** How the 12-byte size field is written. */
export type SizeField =
  | { readonly octal: number }
  | { readonly base256: readonly number[] }
  | { readonly text: string };

/** A PAX record, well formed or not. */
export type PaxRecord = { readonly key: string; readonly value: string } | { readonly raw: string };

export interface TarPlan {
  readonly entries: readonly TarEntryPlan[];
  readonly end: "two-zero-blocks" | "one-zero-block" | "none" | "garbage";
}

const NAMES = [
  "etc/os-release",
  "./lib/apk/db/installed",
  "var/lib/dpkg/status",
  "usr/lib/sysimage/rpm/Packages.db",
  "../../etc/passwd",
  "/etc/shadow",
  "a/../../b",
  "./",
  "",
  ".wh..wh..opq",
  "etc/.wh.passwd",
  "app/node_modules/x/package.json",
  "dir/",
];

const PAX_VALUES = [
  "-1",
  "0",
  "1e3",
  "0x10",
  " 12",
  "99999999999999999999",
  "4294967296",
  "NaN",
  "",
  "../escape",
  "/abs",
  "x".repeat(300),
  "\u0000",
];

const text = fc.string({ maxLength: 40 });

const sizeField: fc.Arbitrary<SizeField> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ octal: fc.oneof(fc.nat(4096), fc.constantFrom(0, 511, 512, 513, 8 ** 11 - 1)) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      base256: fc.array(fc.nat(255), { minLength: 1, maxLength: 11 }).map((bytes) => [0x80, ...bytes]),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      base256: fc.array(fc.nat(255), { minLength: 11, maxLength: 11 }).map((b) => [0xff, ...b]),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      text: fc.oneof(text, fc.constantFrom("-1", "8", "9", " 777 ", "77777777777", "0x1f")),
    }),
  },
);

const paxRecord: fc.Arbitrary<PaxRecord> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      key: fc.constantFrom(
        "path",
        "linkpath",
        "size",
        "mode",
        "uid",
        "mtime",
        "GNU.sparse.map",
        "hdrcharset",
        "x",
      ),
      value: fc.oneof(fc.constantFrom(...PAX_VALUES), fc.constantFrom(...NAMES), text),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      raw: fc.oneof(
        fc.constantFrom("abc def\n", "5 a=b\n", "0 x\n", "99999 x=y\n", "7 =\n", "-3 a=b\n", " "),
        text,
      ),
    }),
  },
);

const entry: fc.Arbitrary<TarEntryPlan> = fc.record(
  {
    name: fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...NAMES) },
      { weight: 1, arbitrary: fc.string({ maxLength: 110 }) },
    ),
    linkName: fc.oneof(
      fc.constantFrom("", "../../../../etc/shadow", "/etc/passwd", "etc/os-release", "loop", "."),
      text,
    ),
    typeFlag: fc.oneof(
      {
        weight: 5,
        arbitrary: fc.constantFrom("0", "\0", "1", "2", "3", "4", "5", "6", "7", "x", "g", "L", "K"),
      },
      { weight: 1, arbitrary: fc.constantFrom("S", "V", "D", "M", "N", "A", "\u00ff") },
    ),
    size: sizeField,
    mode: fc.oneof(fc.constantFrom("0000644", "0000755", "7777777", ""), text),
    magic: fc.constantFrom("ustar" as const, "gnu" as const, "v7" as const),
    prefix: fc.oneof(fc.constant(""), fc.constantFrom("usr/lib", "../.."), text),
    checksum: fc.oneof(
      { weight: 8, arbitrary: fc.constant("right" as const) },
      { weight: 1, arbitrary: fc.constantFrom("wrong" as const, "garbage" as const) },
    ),
    body: fc.oneof(
      { weight: 6, arbitrary: fc.constant("declared" as const) },
      { weight: 1, arbitrary: fc.constantFrom("short" as const, "long" as const, "none" as const) },
    ),
    pax: fc.array(paxRecord, { maxLength: 4 }),
    longName: fc.oneof(fc.constantFrom("../../long/escape", "x".repeat(200)), fc.string({ maxLength: 300 })),
  },
  { requiredKeys: ["name", "linkName", "typeFlag", "size", "mode", "magic", "prefix", "checksum", "body"] },
);

/** Archives of one to six such entries. */
export const tarPlans: fc.Arbitrary<TarPlan> = fc.record({
  entries: fc.array(entry, { minLength: 1, maxLength: 6 }),
  end: fc.constantFrom(
    "two-zero-blocks" as const,
    "one-zero-block" as const,
    "none" as const,
    "garbage" as const,
  ),
});

const BLOCK = 512;

/** The bytes of a planned archive. */
export function buildPlannedTar(plan: TarPlan): Buffer {
  const parts: Buffer[] = [];
  for (const e of plan.entries) {
    if (e.pax && e.pax.length > 0) {
      const body = Buffer.from(e.pax.map(paxText).join(""), "utf8");
      parts.push(
        header({ ...e, typeFlag: "x", size: { octal: body.length }, name: "PaxHeaders/x" }),
        padded(body),
      );
    }
    if (e.longName !== undefined) {
      const body = Buffer.from(`${e.longName}\0`, "utf8");
      parts.push(
        header({ ...e, typeFlag: "L", size: { octal: body.length }, name: "././@LongLink" }),
        padded(body),
      );
    }
    parts.push(header(e));
    const declared = declaredSize(e.size);
    const length =
      e.body === "declared"
        ? declared
        : e.body === "short"
          ? Math.floor(declared / 2)
          : e.body === "long"
            ? declared + 700
            : 0;
    // Never write more than a few KB whatever the field claims: a lying size is the point.
    parts.push(padded(Buffer.alloc(Math.min(length, 16 * 1024), 0x41)));
  }
  if (plan.end === "two-zero-blocks") parts.push(Buffer.alloc(2 * BLOCK));
  else if (plan.end === "one-zero-block") parts.push(Buffer.alloc(BLOCK));
  else if (plan.end === "garbage") parts.push(Buffer.alloc(300, 0x5a));
  return Buffer.concat(parts);
}

function paxText(record: PaxRecord): string {
  if ("raw" in record) return record.raw;
  const body = ` ${record.key}=${record.value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (Buffer.byteLength(`${length}${body}`) !== length) length = Buffer.byteLength(`${length}${body}`);
  return `${length}${body}`;
}

function declaredSize(size: SizeField): number {
  if ("octal" in size) return size.octal;
  if ("base256" in size) {
    if (size.base256[0] === 0xff) return 0;
    let value = 0;
    for (const byte of size.base256.slice(1)) value = value * 256 + byte;
    return Number.isSafeInteger(value) ? value : 0;
  }
  const parsed = Number.parseInt(size.text.trim(), 8);
  return Number.isSafeInteger(parsed) && parsed > 0 ? parsed : 0;
}

function header(e: TarEntryPlan): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(e.name, 0, 100, "utf8");
  block.write(e.mode.slice(0, 7), 100, "latin1");
  block.write("0000000\0", 108, "latin1");
  block.write("0000000\0", 116, "latin1");
  if ("octal" in e.size) block.write(`${e.size.octal.toString(8).padStart(11, "0")}\0`, 124, "latin1");
  else if ("base256" in e.size) Buffer.from(e.size.base256.slice(0, 12)).copy(block, 124);
  else block.write(e.size.text.slice(0, 12), 124, 12, "latin1");
  block.write("00000000000\0", 136, "latin1");
  block.write(e.typeFlag.slice(0, 1), 156, "latin1");
  block.write(e.linkName, 157, 100, "utf8");
  if (e.magic === "ustar") {
    block.write("ustar\0", 257, "latin1");
    block.write("00", 263, "latin1");
    block.write(e.prefix, 345, 155, "utf8");
  } else if (e.magic === "gnu") {
    block.write("ustar  \0", 257, "latin1");
  }
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of block) sum += b;
  if (e.checksum === "wrong") sum += 1;
  if (e.checksum === "garbage") block.write("zz\0", 148, "latin1");
  else block.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
  return block;
}

function padded(data: Buffer): Buffer {
  const rest = data.length % BLOCK;
  return rest === 0 ? data : Buffer.concat([data, Buffer.alloc(BLOCK - rest)]);
}
