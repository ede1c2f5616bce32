import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join, relative, sep } from "node:path";
import { gzipSync } from "node:zlib";

/** One file of the built UI, held in memory with its gzip form and validator. */
export interface WebAsset {
  readonly body: Buffer;
  /** Present when compressing saves bytes (text, not images). */
  readonly gzipped?: Buffer;
  readonly contentType: string;
  readonly etag: string;
  /** Content-hashed names (`/assets/index-Cwtz….js`) never change: cache them for a year. */
  readonly immutable: boolean;
}

/** The built UI (`packages/web/dist`) by URL path (`/index.html`, `/assets/…`). */
export interface WebAppAssets {
  readonly root: string;
  readonly files: ReadonlyMap<string, WebAsset>;
  /** The page every UI route answers with (the app routes in the browser). */
  readonly index: WebAsset;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".txt": "text/plain; charset=utf-8",
  ".woff2": "font/woff2",
};

/** Files larger than this are not served from memory: the UI has none, a stray one is skipped. */
const MAX_ASSET_BYTES = 8 * 1024 * 1024;

/**
 * Reads the built UI once at start: a few hundred kilobytes, so serving is a map lookup and
 * the gzip work is done once, not per request. Undefined when `root` holds no `index.html`
 * (the UI was not built): the API still serves, and the caller says how to build it.
 */
export function loadWebAppAssets(root: string): WebAppAssets | undefined {
  let indexBody: Buffer;
  try {
    indexBody = readFileSync(join(root, "index.html"));
  } catch {
    return undefined;
  }
  const files = new Map<string, WebAsset>();
  for (const path of filesUnder(root)) {
    const urlPath = `/${relative(root, path).split(sep).join("/")}`;
    files.set(urlPath, assetOf(readFileSync(path), urlPath));
  }
  return { root, files, index: files.get("/index.html") ?? assetOf(indexBody, "/index.html") };
}

function assetOf(body: Buffer, urlPath: string): WebAsset {
  const contentType = CONTENT_TYPES[extname(urlPath).toLowerCase()] ?? "application/octet-stream";
  const compressible = /^(text\/|application\/json|image\/svg)/.test(contentType);
  const gzipped = compressible ? gzipSync(body, { level: 9 }) : undefined;
  return {
    body,
    ...(gzipped && gzipped.length < body.length ? { gzipped } : {}),
    contentType,
    etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`,
    immutable: urlPath.startsWith("/assets/"),
  };
}

function* filesUnder(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path);
    else if (entry.isFile() && statSync(path).size <= MAX_ASSET_BYTES) yield path;
  }
}
