import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { StringDecoder } from "node:string_decoder";
import { fileURLToPath } from "node:url";
import { createGunzip } from "node:zlib";
import type { SourceFetch } from "../../source.js";

/**
 * A location could not be read completely: the request failed, the server answered with an
 * error status, the connection was cut before the body ended, a local file is missing, or a
 * gzip stream is truncated. Thrown (never reported as a problem) because a source that syncs
 * in snapshot mode must not hand the store a partial picture: the store then writes nothing
 * and the previous data stays in use.
 */
export class SourceReadError extends Error {
  override readonly name = "SourceReadError";
  /** The URL or path that failed. */
  readonly location: string;
  /** The HTTP status, when the server answered with an error status. */
  readonly status?: number;

  constructor(
    location: string,
    message: string,
    options: { readonly cause?: unknown; readonly status?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.location = location;
    if (options.status !== undefined) this.status = options.status;
  }
}

/** What every read needs: where, how to reach the network, and the job's cancellation. */
export interface ReadLocationInput {
  /** An `http(s)://` URL (read with `fetch`), a `file://` URL or a local path (read with node:fs). */
  readonly location: string;
  readonly fetch: SourceFetch;
  readonly signal?: AbortSignal;
  /**
   * Most bytes {@link readLocationText} holds, after gzip is undone: the guard against a
   * decompression bomb (a few MB of gzip that expand to gigabytes). Default
   * {@link MAX_LOCATION_TEXT_BYTES}.
   */
  readonly maxBytes?: number;
}

/**
 * The default most bytes of a location read whole: 256 MiB, over three times the largest real
 * source read whole (the Debian security tracker's JSON, about 70 MB), and below the longest
 * string V8 can make (about 512 MiB), which would otherwise fail with an error of its own.
 */
export const MAX_LOCATION_TEXT_BYTES = 256 * 1024 ** 2;

/**
 * The longest line {@link readLocationLines} accepts: line-based sources have short lines (an
 * EPSS row is about 40 bytes), so a longer one is a damaged or hostile file, not data.
 */
export const MAX_LOCATION_LINE_CHARS = 1024 * 1024;

/** True when the location is read over HTTP(S) rather than from the local filesystem. */
export function isRemoteLocation(location: string): boolean {
  return /^https?:\/\//i.test(location);
}

/** The filesystem path of a local location (`file://` URLs are accepted too). */
export function localPath(location: string): string {
  return location.startsWith("file:") ? fileURLToPath(location) : location;
}

/** Join a base location and a relative path with exactly one `/` (URLs and POSIX paths alike). */
export function joinLocation(base: string, ...parts: readonly string[]): string {
  return [base.replace(/\/+$/, ""), ...parts.map((p) => p.replace(/^\/+|\/+$/g, ""))].join("/");
}

/**
 * The raw bytes of a location, chunk by chunk. Every failure (including a connection cut in
 * the middle of the body, which `fetch` reports while the body is read) becomes a
 * {@link SourceReadError} naming the location; cancellation rethrows the signal's reason.
 */
export async function* readLocationChunks(input: ReadLocationInput): AsyncGenerator<Buffer> {
  input.signal?.throwIfAborted();
  let stream: Readable;
  try {
    stream = await openLocation(input);
  } catch (error) {
    throw readFailure(input, error);
  }
  try {
    for await (const chunk of stream) yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
  } catch (error) {
    throw readFailure(input, error);
  } finally {
    stream.destroy();
  }
}

/**
 * The bytes of a location with gzip undone when the content is gzip (detected by its magic
 * bytes, not by the name: a server may already have removed the compression through
 * `Content-Encoding`, and a local copy may have been unpacked without renaming). A truncated
 * gzip stream is a {@link SourceReadError}.
 */
export async function* readDecodedChunks(input: ReadLocationInput): AsyncGenerator<Buffer> {
  const raw = readLocationChunks(input);
  let first = await raw.next();
  // Gzip detection needs two bytes; a first chunk of one byte is possible in principle.
  while (!first.done && first.value.length < 2) {
    const next = await raw.next();
    if (next.done) break;
    first = { done: false, value: Buffer.concat([first.value, next.value]) };
  }
  if (first.done) return;
  const head = first.value;
  if (!(head[0] === 0x1f && head[1] === 0x8b)) {
    yield head;
    yield* raw;
    return;
  }
  const compressed = Readable.from(
    (async function* () {
      yield head;
      yield* raw;
    })(),
  );
  const gunzip = createGunzip();
  compressed.on("error", (error) => gunzip.destroy(error));
  compressed.pipe(gunzip);
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch (error) {
    if (error instanceof SourceReadError || input.signal?.aborted) throw readFailure(input, error);
    throw new SourceReadError(
      input.location,
      `could not decompress ${input.location}: ${describe(error)} (the gzip stream is damaged or was cut short; sync again, or check the file)`,
      { cause: error },
    );
  } finally {
    compressed.destroy();
    gunzip.destroy();
  }
}

/** The whole content as UTF-8 text (gzip undone, a byte order mark dropped). */
export async function readLocationText(input: ReadLocationInput): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  const maxBytes = input.maxBytes ?? MAX_LOCATION_TEXT_BYTES;
  for await (const chunk of readDecodedChunks(input)) {
    chunks.push(chunk);
    size += chunk.length;
    if (size > maxBytes) {
      throw new SourceReadError(
        input.location,
        `${input.location} holds more than ${maxBytes} bytes (once gzip is undone), over the limit for a source read whole; nothing was imported`,
      );
    }
  }
  // Concatenate once, then let the chunks go before decoding, so that at most the bytes and
  // the text exist together (large sources such as the Debian tracker are ~70 MB).
  const bytes = Buffer.concat(chunks, size);
  chunks.length = 0;
  const text = bytes.toString("utf8");
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** One line of a text location, with its 1-based number; the line break (LF or CRLF) removed. */
export interface LocationLine {
  readonly text: string;
  readonly line: number;
}

/** The content line by line, streamed (gzip undone), for large line-based formats. */
export async function* readLocationLines(input: ReadLocationInput): AsyncGenerator<LocationLine> {
  const decoder = new StringDecoder("utf8");
  let carry = "";
  let line = 0;
  for await (const chunk of readDecodedChunks(input)) {
    const text = carry + decoder.write(chunk);
    const parts = text.split("\n");
    carry = parts.pop() ?? "";
    if (carry.length > MAX_LOCATION_LINE_CHARS) {
      throw new SourceReadError(
        input.location,
        `line ${line + parts.length + 1} of ${input.location} is longer than ${MAX_LOCATION_LINE_CHARS} characters: not a line of this format; nothing was imported`,
      );
    }
    for (const part of parts) {
      line++;
      yield { text: stripLineEnd(line === 1 ? stripBom(part) : part), line };
    }
  }
  const rest = carry + decoder.end();
  if (rest.length > 0) {
    line++;
    yield { text: stripLineEnd(line === 1 ? stripBom(rest) : rest), line };
  }
}

async function openLocation(input: ReadLocationInput): Promise<Readable> {
  const { location, signal } = input;
  if (!isRemoteLocation(location)) {
    const stream = createReadStream(localPath(location), signal ? { signal } : {});
    // Surface a missing file now rather than on the first read, so callers can tell
    // "not there" from "cut short".
    await new Promise<void>((resolve, reject) => {
      stream.once("open", () => resolve());
      stream.once("error", reject);
    });
    return stream;
  }
  const response = await input.fetch(location, signal ? { signal } : {});
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    throw new SourceReadError(
      location,
      `could not read ${location}: the server answered ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`,
      { status: response.status },
    );
  }
  if (!response.body) return Readable.from([]);
  return Readable.fromWeb(response.body as unknown as NodeReadableStream<Uint8Array>);
}

/** Wrap a failure so it names the location; cancellation stays cancellation. */
function readFailure(input: ReadLocationInput, error: unknown): unknown {
  if (input.signal?.aborted) return input.signal.reason ?? error;
  if (error instanceof SourceReadError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const hint =
    code === "ENOENT"
      ? "the file does not exist; check the configured location"
      : isRemoteLocation(input.location)
        ? "the download failed or was cut short; nothing was imported, sync again later"
        : "check the file and its permissions";
  return new SourceReadError(
    input.location,
    `could not read ${input.location}: ${describe(error)} (${hint})`,
    {
      cause: error,
    },
  );
}

/** An error's message with its causes (`fetch` says "terminated", its cause says why). */
function describe(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 4; depth++) {
    const message = current instanceof Error ? current.message : String(current);
    if (message && !parts.includes(message)) parts.push(message);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(": ") || "unknown error";
}

function stripLineEnd(text: string): string {
  return text.endsWith("\r") ? text.slice(0, -1) : text;
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
