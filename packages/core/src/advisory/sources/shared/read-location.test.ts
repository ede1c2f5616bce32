import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { AdvisorySource } from "../../source.js";
import {
  isRemoteLocation,
  joinLocation,
  readLocationLines,
  readLocationText,
  SourceReadError,
} from "./read-location.js";
import { createAdvisorySourceList, DuplicateAdvisorySourceError } from "./source-list.js";
import { type LoopbackServer, startLoopbackServer } from "./test-support/loopback-server.js";
import { offlineFetch, osvSchemaErrors } from "./test-support/source-contract.js";
import { isCveId, isVulnerabilityId } from "./vulnerability-id.js";

const dir = mkdtempSync(join(tmpdir(), "vigil-read-location-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: Buffer | string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function lines(location: string): Promise<string[]> {
  const out: string[] = [];
  for await (const line of readLocationLines({ location, fetch: offlineFetch }))
    out.push(`${line.line}:${line.text}`);
  return out;
}

describe("readLocation*", () => {
  let server: LoopbackServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("reads plain and gzip content alike, by magic bytes not by name", async () => {
    const text = "\ufeffcve,epss\r\nCVE-2024-3094,0.85\n";
    expect(await readLocationText({ location: file("plain.csv.gz", text), fetch: offlineFetch })).toBe(
      text.slice(1),
    );
    expect(
      await readLocationText({ location: file("packed.csv", gzipSync(text)), fetch: offlineFetch }),
    ).toBe(text.slice(1));
    expect(await lines(file("packed2", gzipSync(text)))).toEqual(["1:cve,epss", "2:CVE-2024-3094,0.85"]);
    expect(await lines(file("no-final-newline", "a\nb"))).toEqual(["1:a", "2:b"]);
    expect(await lines(file("empty", ""))).toEqual([]);
  });

  it("decodes UTF-8 split across chunks", async () => {
    const text = `${"x".repeat(65535)}é\n`;
    expect(await lines(file("split", text))).toEqual([`1:${"x".repeat(65535)}é`]);
  });

  it("throws a SourceReadError naming the file for a truncated gzip stream", async () => {
    const packed = gzipSync("a\n".repeat(10000));
    const path = file("cut.gz", packed.subarray(0, packed.length - 10));
    const failure = readLocationText({ location: path, fetch: offlineFetch });
    await expect(failure).rejects.toBeInstanceOf(SourceReadError);
    await expect(failure).rejects.toThrow(`could not decompress ${path}`);
  });

  it("accepts file:// URLs and reports a missing file with its path", async () => {
    const path = file("url.txt", "hello");
    expect(await readLocationText({ location: `file://${path}`, fetch: offlineFetch })).toBe("hello");
    await expect(readLocationText({ location: join(dir, "missing"), fetch: offlineFetch })).rejects.toThrow(
      /missing: ENOENT.*the file does not exist/,
    );
  });

  it("reads over HTTP, passes the signal, and names the URL of an error status or a cut", async () => {
    server = await startLoopbackServer({
      "/ok.gz": { body: gzipSync("one\ntwo\n") },
      "/cut": { body: Buffer.alloc(200_000, 97), cutAfter: 1000 },
    });
    const seen: (AbortSignal | undefined)[] = [];
    const controller = new AbortController();
    const spy = (url: string, init?: { signal?: AbortSignal }) => {
      seen.push(init?.signal);
      return fetch(url, init);
    };
    expect(
      await readLocationText({ location: `${server.url}/ok.gz`, fetch: spy, signal: controller.signal }),
    ).toBe("one\ntwo\n");
    expect(seen).toEqual([controller.signal]);
    await expect(readLocationText({ location: `${server.url}/nope`, fetch })).rejects.toMatchObject({
      name: "SourceReadError",
      status: 404,
      location: `${server.url}/nope`,
    });
    await expect(readLocationText({ location: `${server.url}/cut`, fetch })).rejects.toThrow(
      `could not read ${server.url}/cut`,
    );
  });

  it("rethrows cancellation as the signal's reason", async () => {
    server = await startLoopbackServer({
      "/slow": {
        handler: (_req, res) => {
          res.writeHead(200);
          res.write("partial");
        },
      },
    });
    const controller = new AbortController();
    const reason = new Error("job cancelled");
    const reading = readLocationText({ location: `${server.url}/slow`, fetch, signal: controller.signal });
    setTimeout(() => controller.abort(reason), 50);
    await expect(reading).rejects.toBe(reason);
  });

  it("tells remote from local locations and joins them", () => {
    expect(isRemoteLocation("https://secdb.alpinelinux.org")).toBe(true);
    expect(isRemoteLocation("HTTP://x")).toBe(true);
    expect(isRemoteLocation("/srv/mirror")).toBe(false);
    expect(isRemoteLocation("file:///srv/mirror")).toBe(false);
    expect(joinLocation("https://h/", "v3.19", "/main.json")).toBe("https://h/v3.19/main.json");
  });
});

describe("vulnerability ids", () => {
  it("accepts CVE ids of four digits and more, nothing else", () => {
    expect(["CVE-2024-3094", "CVE-2021-44228", "CVE-2023-1234567"].every(isCveId)).toBe(true);
    expect(
      ["CVE-46838", "CVE-????-?????", "cve-2024-3094", "CVE-2024-123", " CVE-2024-3094"].some(isCveId),
    ).toBe(false);
  });

  it("accepts other databases' ids, not prose", () => {
    const ids = [
      "XSA-248",
      "GHSA-fhpf-pp6p-55qc",
      "RUSTSEC-2020-0146",
      "ZDI-CAN-22300",
      "VSV00010",
      "DW202402-001",
    ];
    expect(ids.every(isVulnerabilityId)).toBe(true);
    expect(["(+", "regression", "fix-", "-1", "ALPINE-"].some(isVulnerabilityId)).toBe(false);
  });
});

describe("createAdvisorySourceList", () => {
  const source = (name: string): AdvisorySource => ({
    name,
    version: 1,
    ecosystems: [],
    defaultLocation: "https://example.org",
    sync: () => Promise.reject(new Error("not used")),
  });

  it("sorts by name and rejects duplicates and names that are not kebab-case", () => {
    expect(createAdvisorySourceList([source("kev"), source("alpine-secdb")]).map((s) => s.name)).toEqual([
      "alpine-secdb",
      "kev",
    ]);
    expect(() => createAdvisorySourceList([source("kev"), source("kev")])).toThrow(
      DuplicateAdvisorySourceError,
    );
    expect(() => createAdvisorySourceList([source("Alpine SecDB")])).toThrow(/kebab-case/);
  });
});

describe("osvSchemaErrors", () => {
  it("accepts a valid record and names what is wrong with an invalid one", () => {
    const record = { id: "ALPINE-SECDB-CVE-2024-3094", modified: "2025-09-01T00:00:00Z" };
    expect(osvSchemaErrors(record)).toEqual([]);
    expect(osvSchemaErrors({ ...record, modified: "2025-09-01" })).not.toEqual([]);
    expect(osvSchemaErrors({ ...record, id: "NOPE-1" })).not.toEqual([]);
  });
});
