/**
 * The osv source over zips built in the test from real records (testdata/osv-excerpt), over
 * directories of JSON files, and over HTTP from a loopback server; malformed records become
 * located problems, damaged zips and failed downloads end the sync with an error naming them.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { buildZip, type ZipBuildEntry } from "../../../archive/zip/test-support/zip-builder.js";
import type { SourceFetch } from "../../source.js";
import { SourceReadError } from "../shared/read-location.js";
import { startLoopbackServer } from "../shared/test-support/loopback-server.js";
import { collectSync } from "../shared/test-support/source-contract.js";
import { createOsvSource, OSV_DEFAULT_LOCATION } from "./osv-source.js";
import { exportZip, readExcerpt, writeExcerptTree } from "./test-support/excerpt.js";

const work = mkdtempSync(join(tmpdir(), "vigil-osv-source-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const excerpt = readExcerpt();
const tree = writeExcerptTree(join(work, "tree"));
const realFetch: SourceFetch = (url, init) => fetch(url, init);

/** Every excerpt record, parsed, by id. */
const expectedRecords = new Map(
  [...excerpt.values()].flat().map((m) => {
    const record = JSON.parse(m.content) as { id: string; modified: string };
    return [record.id, record] as const;
  }),
);
const latestModified = [...expectedRecords.values()]
  .map((r) => r.modified)
  .reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a));

describe("the source", () => {
  it("is named osv, covers the configured ecosystems' bases and defaults to OSV's bucket", () => {
    const source = createOsvSource();
    expect(source.name).toBe("osv");
    expect(source.version).toBe(1);
    expect(source.defaultLocation).toBe(OSV_DEFAULT_LOCATION);
    expect(source.ecosystems).toContain("Red Hat");
    expect(source.ecosystems).toContain("crates.io");
    expect(createOsvSource({ ecosystems: ["Debian", "Ubuntu"] }).ecosystems).toEqual(["Debian", "Ubuntu"]);
    expect(() => createOsvSource({ ecosystems: ["../etc"] })).toThrow("not an ecosystem folder name");
  });
});

describe("local exports", () => {
  it("reads a tree of <Ecosystem>/all.zip: every record, unchanged, once, with its osv.dev link", async () => {
    const run = await collectSync(createOsvSource(), { location: tree });
    expect(run.mode).toBe("snapshot");
    expect(run.problems).toEqual([]);
    expect(run.advisories).toHaveLength(expectedRecords.size);
    for (const { record, upstreamUrl } of run.advisories) {
      expect(record).toEqual(expectedRecords.get(record.id));
      expect(upstreamUrl).toBe(`https://osv.dev/vulnerability/${encodeURIComponent(record.id)}`);
    }
    expect(run.cursor).toBe(latestModified);
  });

  it("reads only the configured ecosystems of a tree, in the configured order", async () => {
    const run = await collectSync(createOsvSource({ ecosystems: ["Red Hat", "Go", "npm"] }), {
      location: tree,
    });
    const ids = run.advisories.map((a) => a.record.id);
    expect(ids).toHaveLength(60);
    expect(ids.slice(0, 30).every((id) => /^RH[SB]A-/.test(id))).toBe(true);
    expect(ids.slice(30).every((id) => id.startsWith("GO-"))).toBe(true);
  });

  it("reads one all.zip, given as a path or a file: URL, or a directory holding it", async () => {
    const zip = join(tree, "Go", "all.zip");
    for (const location of [zip, pathToFileURL(zip).href, join(tree, "Go")]) {
      const run = await collectSync(createOsvSource(), { location });
      expect(run.advisories.map((a) => a.record.id)).toEqual(
        excerpt.get("Go")!.map((m) => m.name.slice(0, -5)),
      );
    }
  });

  it("reads a directory of JSON files at any depth, in path order", async () => {
    const dir = join(work, "json-dir");
    for (const [i, member] of excerpt.get("crates.io")!.entries()) {
      const sub = join(dir, `crate-${i % 4}`);
      mkdirSync(sub, { recursive: true });
      writeFileSync(join(sub, member.name), member.content);
    }
    writeFileSync(join(dir, "README.md"), "not a record");
    const run = await collectSync(createOsvSource(), { location: dir });
    expect(run.problems).toEqual([]);
    expect(run.advisories).toHaveLength(30);
    const single = await collectSync(createOsvSource(), {
      location: join(dir, "crate-0", excerpt.get("crates.io")![0]!.name),
    });
    expect(single.advisories).toHaveLength(1);
  });

  it("is deterministic", async () => {
    const first = await collectSync(createOsvSource(), { location: tree });
    const second = await collectSync(createOsvSource(), { location: tree });
    expect(second.items).toEqual(first.items);
  });

  it("names a location that does not exist, or a directory without records", async () => {
    const missing = join(work, "no-such-export");
    const failure = collectSync(createOsvSource(), { location: missing });
    await expect(failure).rejects.toBeInstanceOf(SourceReadError);
    await expect(failure).rejects.toThrow(missing);
    const empty = join(work, "empty");
    mkdirSync(empty);
    await expect(collectSync(createOsvSource(), { location: empty })).rejects.toThrow(
      `${empty} holds no <Ecosystem>/all.zip and no *.json files`,
    );
  });

  it("stops with the signal's reason", async () => {
    const controller = new AbortController();
    const reason = new Error("cancelled by the test");
    controller.abort(reason);
    await expect(collectSync(createOsvSource(), { location: tree, signal: controller.signal })).rejects.toBe(
      reason,
    );
  });
});

describe("malformed records", () => {
  const good = (id: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ id, modified: "2024-01-01T00:00:00Z", ...extra });
  const pkg = { ecosystem: "PyPI", name: "x" };
  const members: ZipBuildEntry[] = [
    { name: "GOOD-1.json", data: good("GOOD-1") },
    { name: "bad-json.json", data: '{"id": "X-1", ' },
    { name: "array.json", data: "[]" },
    { name: "no-id.json", data: JSON.stringify({ modified: "2024-01-01T00:00:00Z" }) },
    { name: "no-modified.json", data: JSON.stringify({ id: "NOMOD-1" }) },
    { name: "no-package.json", data: good("NOPKG-1", { affected: [{ versions: ["1"] }] }) },
    {
      name: "no-events.json",
      data: good("NOEV-1", { affected: [{ package: pkg, ranges: [{ type: "ECOSYSTEM" }] }] }),
    },
    {
      name: "unknown-ecosystem.json",
      data: good("UNK-1", { affected: [{ package: { ecosystem: "Plan9:4", name: "x" } }] }),
    },
    {
      name: "new-range-type.json",
      data: good("NEWRANGE-1", {
        affected: [{ package: pkg, ranges: [{ type: "NEW", events: [{ introduced: "0" }] }] }],
      }),
    },
    {
      name: "git-range.json",
      data: good("GIT-1", {
        affected: [
          {
            package: pkg,
            ranges: [{ type: "GIT", repo: "https://g", events: [{ introduced: "0" }, { fixed: "abc123" }] }],
          },
        ],
      }),
    },
    { name: "latin1.json", data: Buffer.from('{"id": "L-1", "summary": "caf\xe9"}', "latin1") },
    { name: "bom.json", data: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(good("BOM-1"))]) },
    { name: "huge.json", data: good("HUGE-1", { details: "x".repeat(5000) }) },
    { name: "README.txt", data: "not a record" },
    { name: "dir/", method: 0 },
    { name: "GOOD-1-again.json", data: good("GOOD-1") },
    { name: "GOOD-1-newer.json", data: JSON.stringify({ id: "GOOD-1", modified: "2025-01-01T00:00:00Z" }) },
  ];
  const zipPath = join(work, "malformed", "all.zip");
  mkdirSync(join(work, "malformed"));
  writeFileSync(zipPath, buildZip(members).bytes);

  it("yields each as a problem naming <zip>!<member> and why, and goes on", async () => {
    const run = await collectSync(createOsvSource({ maxRecordBytes: 4096 }), { location: zipPath });
    expect(run.advisories.map((a) => a.record.id)).toEqual(["GOOD-1", "NEWRANGE-1", "GIT-1", "BOM-1"]);
    const at = (member: string) => `${zipPath}!${member}`;
    expect(run.problems).toEqual([
      {
        location: at("huge.json"),
        reason: expect.stringMatching(/^\d+ bytes, more than the 4096 a record may have; not read$/),
      },
      { location: at("bad-json.json"), reason: expect.stringMatching(/^not valid JSON: /) },
      {
        location: at("array.json"),
        reason: "not a usable OSV record: the record is an array, not a JSON object",
      },
      { location: at("no-id.json"), reason: "not a usable OSV record: id: missing" },
      {
        id: "NOMOD-1",
        location: at("no-modified.json"),
        reason: "not a usable OSV record: modified: missing",
      },
      {
        id: "NOPKG-1",
        location: at("no-package.json"),
        reason:
          "not a usable OSV record: affected[0].package: missing (an entry without a package cannot be matched)",
      },
      {
        id: "NOEV-1",
        location: at("no-events.json"),
        reason: "not a usable OSV record: affected[0].ranges[0].events: missing",
      },
      {
        id: "UNK-1",
        location: at("unknown-ecosystem.json"),
        reason: 'not a usable OSV record: affected[0].package.ecosystem: unknown ecosystem "Plan9"',
      },
      { location: at("latin1.json"), reason: "not valid UTF-8" },
      {
        id: "GOOD-1",
        location: at("GOOD-1-newer.json"),
        reason: `duplicate id: ${zipPath} already had GOOD-1 (modified 2024-01-01T00:00:00Z); this copy (modified 2025-01-01T00:00:00Z) is skipped`,
      },
    ]);
    expect(run.cursor).toBe("2024-01-01T00:00:00Z");
  });
});

describe("damaged exports end the sync with an error naming them", () => {
  const members = excerpt.get("Debian")!.map((m) => ({ name: m.name, data: m.content }));
  const bytes = exportZip(members);

  it("a truncated zip", async () => {
    const path = join(work, "truncated.zip");
    writeFileSync(path, bytes.subarray(0, bytes.length - 100));
    const failure = collectSync(createOsvSource(), { location: path });
    await expect(failure).rejects.toBeInstanceOf(SourceReadError);
    await expect(failure).rejects.toThrow(`could not read ${path}: `);
  });

  it("a member whose data was damaged, after the records before it were yielded", async () => {
    const built = buildZip(members);
    const damaged = Buffer.from(built.bytes);
    damaged[built.dataOffsets[20]! + 5]! ^= 0xff;
    const path = join(work, "damaged.zip");
    writeFileSync(path, damaged);
    const failure = collectSync(createOsvSource(), { location: path });
    await expect(failure).rejects.toThrow(`could not read ${path}: entry "${members[20]!.name}": `);
    await expect(failure).rejects.toThrow("nothing was imported");
  });

  it("a zip over the zip limits", async () => {
    const path = join(work, "many.zip");
    writeFileSync(path, bytes);
    await expect(
      collectSync(createOsvSource({ zipLimits: { maxEntries: 10 } }), { location: path }),
    ).rejects.toThrow("the archive declares 30 entries; the limit is 10");
  });
});

describe("downloads", () => {
  const debian = exportZip(excerpt.get("Debian")!.map((m) => ({ name: m.name, data: m.content })));
  const redHat = exportZip(excerpt.get("Red Hat")!.map((m) => ({ name: m.name, data: m.content })));
  const temp = join(work, "downloads");
  mkdirSync(temp);
  const options = { ecosystems: ["Debian", "Red Hat"], tempDir: temp };

  it("downloads <base>/<Ecosystem>/all.zip for each ecosystem, reads it, and removes it", async () => {
    const server = await startLoopbackServer({
      "/Debian/all.zip": { body: debian },
      "/Red%20Hat/all.zip": { body: redHat },
    });
    try {
      const run = await collectSync(createOsvSource(options), {
        location: `${server.url}/`,
        fetch: realFetch,
      });
      expect(server.requests).toEqual(["/Debian/all.zip", "/Red%20Hat/all.zip"]);
      expect(run.advisories).toHaveLength(60);
      expect(run.problems).toEqual([]);
      expect(readdirSync(temp)).toEqual([]);
      // A problem in a downloaded export names its URL.
      const broken = exportZip([{ name: "x.json", data: "{" }]);
      const one = await startLoopbackServer({ "/Debian/all.zip": { body: broken } });
      try {
        const bad = await collectSync(createOsvSource({ ...options, ecosystems: ["Debian"] }), {
          location: one.url,
          fetch: realFetch,
        });
        expect(bad.problems.map((p) => p.location)).toEqual([`${one.url}/Debian/all.zip!x.json`]);
      } finally {
        await one.close();
      }
    } finally {
      await server.close();
    }
  });

  it("downloads a URL ending in .zip as one export", async () => {
    const server = await startLoopbackServer({ "/exports/debian.zip": { body: debian } });
    try {
      const run = await collectSync(createOsvSource(options), {
        location: `${server.url}/exports/debian.zip`,
        fetch: realFetch,
      });
      expect(run.advisories).toHaveLength(30);
    } finally {
      await server.close();
    }
  });

  it("a missing export, a cut connection or an oversized download fails the sync and leaves no file", async () => {
    const server = await startLoopbackServer({
      "/Debian/all.zip": { body: debian },
      "/cut/Debian/all.zip": { body: debian, cutAfter: 1000 },
    });
    try {
      const missing = collectSync(createOsvSource(options), { location: server.url, fetch: realFetch });
      await expect(missing).rejects.toBeInstanceOf(SourceReadError);
      await expect(missing).rejects.toThrow(`${server.url}/Red%20Hat/all.zip: the server answered 404`);
      const cut = collectSync(createOsvSource({ ...options, ecosystems: ["Debian"] }), {
        location: `${server.url}/cut`,
        fetch: realFetch,
      });
      await expect(cut).rejects.toBeInstanceOf(SourceReadError);
      await expect(
        collectSync(createOsvSource({ ...options, ecosystems: ["Debian"], maxDownloadBytes: 1000 }), {
          location: server.url,
          fetch: realFetch,
        }),
      ).rejects.toThrow("is larger than 1000 bytes, the download limit");
      expect(readdirSync(temp)).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it("stops a download with the signal's reason and leaves no file", async () => {
    const controller = new AbortController();
    const reason = new Error("cancelled during the download");
    const server = await startLoopbackServer({
      "/Debian/all.zip": {
        handler: (_req, res) => {
          res.writeHead(200, { "content-length": String(debian.length) });
          res.write(debian.subarray(0, 500), () => controller.abort(reason));
        },
      },
    });
    try {
      await expect(
        collectSync(createOsvSource({ ...options, ecosystems: ["Debian"] }), {
          location: server.url,
          fetch: realFetch,
          signal: controller.signal,
        }),
      ).rejects.toBe(reason);
      expect(readdirSync(temp)).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
