import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { createGunzip } from "node:zlib";

/** What a path given to `vigil db import` holds. */
export type ImportKind = "osv" | "alpine-secdb" | "debian-tracker" | "kev" | "epss" | "store-export";

/**
 * Recognise an offline import by its content rather than trusting names alone: an OSV
 * bulk zip or record directory, Alpine secdb files, the Debian tracker JSON, the CISA KEV
 * catalog, an EPSS CSV, or a whole-store export written by `vigil db export`.
 */
export async function detectImport(path: string): Promise<ImportKind | undefined> {
  const info = await stat(path);
  if (info.isDirectory()) return detectDirectory(path);
  if (/\.zip$/i.test(path)) return "osv";
  const head = await readHead(path, 4096);
  if (/^#?model_version|^cve,epss/m.test(head)) return "epss";
  if (head.startsWith("{") && head.includes('"format"') && head.includes("vigil-advisory-store"))
    return "store-export";
  if (/"catalogVersion"|"vulnerabilities"\s*:\s*\[\s*\{\s*"cveID"/.test(head)) return "kev";
  if (/"distroversion"|"secfixes"/.test(head)) return "alpine-secdb";
  if (/"modified"/.test(head) && /"id"/.test(head)) return "osv";
  if (/^\{\s*"[^"]+"\s*:\s*\{\s*"(CVE|TEMP)-/.test(head)) return "debian-tracker";
  return undefined;
}

async function detectDirectory(path: string): Promise<ImportKind | undefined> {
  const names = await readdir(path);
  if (
    names.includes("all.zip") ||
    names.some((n) => n.endsWith(".json") && !/^(main|community)\.json$/.test(n))
  ) {
    return "osv";
  }
  for (const name of names) {
    const inner = join(path, name);
    if (!(await stat(inner)).isDirectory()) continue;
    const children = await readdir(inner);
    if (children.includes("all.zip")) return "osv";
    if (children.includes("main.json") || children.includes("community.json")) return "alpine-secdb";
  }
  if (names.includes("main.json") || names.includes("community.json")) return "alpine-secdb";
  return undefined;
}

/** The first bytes of a file as text, gunzipped when it is gzip. */
async function readHead(path: string, bytes: number): Promise<string> {
  const raw = await firstBytes(createReadStream(path, { start: 0, end: bytes - 1 }));
  if (raw[0] === 0x1f && raw[1] === 0x8b) {
    const gunzip = createGunzip();
    const out = firstBytes(gunzip);
    createReadStream(path)
      .pipe(gunzip)
      .on("error", () => {});
    return (await out).toString("utf8");
  }
  return raw.toString("utf8");
}

async function firstBytes(stream: NodeJS.ReadableStream, limit = 4096): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      total += (chunk as Buffer).length;
      if (total >= limit) break;
    }
  } catch {
    // a truncated gzip head still tells us enough
  }
  return Buffer.concat(chunks).subarray(0, limit);
}
