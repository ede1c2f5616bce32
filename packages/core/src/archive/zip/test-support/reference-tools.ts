/**
 * Reference tools for the zip tests: Info-ZIP's `zip` and Python's `zipfile`, both part of
 * the test environment. `pythonListing` is what Python reads from an archive, to compare with.
 */
import { spawnSync } from "node:child_process";

const probe = (command: string, args: string[]) => {
  const result = spawnSync(command, args, { encoding: "utf8" });
  return result.status === 0 ? `${result.stdout}${result.stderr}`.trim().split("\n")[0] : undefined;
};

/** `Python 3.x.y`, or undefined when python3 is missing. */
export const pythonVersion = probe("python3", ["--version"]);
/** Info-ZIP's banner line, or undefined when `zip` is missing. */
export const zipVersion = probe("zip", ["-v"])
  ? spawnSync("zip", ["-v"], { encoding: "utf8" })
      .stdout.split("\n")
      .find((l) => l.startsWith("This is Zip"))
  : undefined;

/** Runs a Python program with arguments; returns stdout. */
export function python(program: string, args: readonly string[] = [], input?: string): string {
  const result = spawnSync("python3", ["-c", program, ...args], {
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    ...(input !== undefined ? { input } : {}),
  });
  if (result.status !== 0) throw new Error(`python3 failed: ${result.stderr}`);
  return result.stdout;
}

/** Runs Info-ZIP's `zip` in `cwd`. */
export function zip(cwd: string, args: readonly string[], input?: string | Buffer): Buffer {
  const result = spawnSync("zip", args, {
    cwd,
    env: { ...process.env, LC_ALL: "C.UTF-8" },
    maxBuffer: 256 * 1024 * 1024,
    ...(input !== undefined ? { input } : {}),
  });
  if (result.status !== 0) throw new Error(`zip ${args.join(" ")} failed: ${result.stderr}`);
  return result.stdout;
}

/** One member as Python's zipfile reads it. */
export interface PythonMember {
  readonly name: string;
  /** The name's raw bytes, hex (Python decodes non-flagged names as CP437). */
  readonly rawName: string;
  readonly size: number;
  readonly compressedSize: number;
  readonly method: number;
  readonly flags: number;
  readonly crc: number;
  readonly offset: number;
  /** SHA-256 of the content, hex. */
  readonly sha256: string;
}

const LIST = `
import hashlib, json, sys, zipfile
out = []
with zipfile.ZipFile(sys.argv[1]) as z:
    for i in z.infolist():
        raw = i.filename.encode("utf-8" if i.flag_bits & 0x800 else "cp437")
        out.append({"name": i.filename, "rawName": raw.hex(), "size": i.file_size,
                    "compressedSize": i.compress_size, "method": i.compress_type, "flags": i.flag_bits,
                    "crc": i.CRC, "offset": i.header_offset, "sha256": hashlib.sha256(z.read(i)).hexdigest()})
json.dump(out, sys.stdout)
`;

/** Every member of the archive at `path`, as Python's zipfile reads it. */
export function pythonListing(path: string): PythonMember[] {
  return JSON.parse(python(LIST, [path])) as PythonMember[];
}
