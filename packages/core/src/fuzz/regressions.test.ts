/**
 * The crashes the fuzz properties found, each as its minimized input through the same public
 * entry point, so they stay fixed whatever the fuzzing samples. Each comment gives the
 * counterexample fast-check printed (fixture, mutations) before it was written out by hand.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import type { SyncItem } from "../advisory/source.js";
import {
  createAlpineSecdbSource,
  createDebianTrackerSource,
  createKevSource,
  createOsvSource,
} from "../advisory/sources/index.js";
import { createComposerExtractor } from "../extract/builtin/composer/index.js";
import { buildElf } from "../extract/builtin/elf/test-support/elf-builder.js";
import {
  createNpmPackageJsonExtractor,
  createNpmPackageLockExtractor,
  createYarnLockExtractor,
} from "../extract/builtin/npm/index.js";
import { createRpmExtractor } from "../extract/builtin/rpm/index.js";
import { createRustBinaryExtractor } from "../extract/builtin/rust-binary/index.js";
import { tarHeader } from "../layer/test-support/tar-builder.js";
import { LocalSourceError, ManifestInvalidError } from "../registry/errors.js";
import { parseManifest } from "../registry/manifest.js";
import { TarIndex } from "../registry/tar-index.js";
import { Corpus } from "./test-support/corpus.js";
import { runExtractor } from "./test-support/fuzz-extractor.js";

/** JSON text of a value nested `depth` objects deep: past what `JSON.stringify` can recurse through. */
const deepObject = (depth = 5000) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
const deepArray = (depth = 5000) => `${"[".repeat(depth)}1${"]".repeat(depth)}`;

const work = mkdtempSync(join(tmpdir(), "vigil-fuzz-regressions-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function syncOf(
  source: ReturnType<typeof createKevSource>,
  name: string,
  text: string,
): Promise<SyncItem[]> {
  const location = join(work, name);
  writeFileSync(location, text);
  const result = await source.sync({
    location,
    now: "2025-09-01T00:00:00Z",
    fetch: async () => {
      throw new Error("offline");
    },
  });
  const items: SyncItem[] = [];
  for await (const item of result.items) items.push(item);
  return items;
}

const reasons = (items: readonly SyncItem[]) =>
  items.flatMap((i) => (i.kind === "problem" ? [i.problem.reason] : []));

describe("fuzz regressions: a value nested thousands deep where a string belongs (RangeError: stack overflow)", () => {
  // extract lang/npm-package-json: ms/package.json, edits [replace name with {deep: 4109}]
  it("npm package.json: an object as the name is an issue", async () => {
    const content = Buffer.from(`{"name":${deepObject()},"version":"1.0.0"}`);
    const result = await runExtractor(
      createNpmPackageJsonExtractor(),
      "/app/node_modules/ms/package.json",
      content,
    );
    expect(result.issues.map((i) => [i.code, i.message])).toEqual([
      [
        "npm-package-json-bad-name",
        "package.json of an installed package has an invalid name an object; skipped",
      ],
    ]);
  });

  // extract lang/npm-package-lock: files.v1.json, edits [wrap, replace lockfileVersion with {deep: 4111}, ...]
  it("npm package-lock.json: an object as the lockfileVersion is an issue", async () => {
    const content = Buffer.from(`{"lockfileVersion":${deepObject()}}`);
    const result = await runExtractor(createNpmPackageLockExtractor(), "/app/package-lock.json", content);
    expect(result.issues.map((i) => i.code)).toEqual(["npm-lock-unknown-version"]);
    expect(result.issues[0]!.message).toContain("has lockfileVersion an object");
  });

  it("composer installed.json: an array as a package name is an issue", async () => {
    const content = Buffer.from(`{"packages":[{"name":${deepArray()},"version":"1.0.0"}]}`);
    const result = await runExtractor(
      createComposerExtractor(),
      "/app/vendor/composer/installed.json",
      content,
    );
    expect(result.issues.map((i) => i.code)).toEqual(["composer-bad-name"]);
    expect(result.issues[0]!.message).toContain("(an array of 1)");
  });

  // extract binary/rust-cargo-auditable (audit JSON): sources.json, edits [replace kind with {deep: 4113}]
  it("cargo-auditable data: an object as a dependency kind is an issue", async () => {
    const audit = `{"packages":[{"name":"tool","version":"1.0.0","source":"local","root":true,"kind":${deepObject()}}]}`;
    const elf = buildElf({
      is64: true,
      littleEndian: true,
      sections: [
        { name: ".text", flags: 6, data: Buffer.alloc(64, 0xc3) },
        { name: ".dep-v0", data: deflateSync(Buffer.from(audit)) },
      ],
    }).bytes;
    const result = await runExtractor(createRustBinaryExtractor(), "/usr/local/bin/tool", elf);
    expect(result.issues.map((i) => i.code)).toContain("rust-audit-unknown-kind");
  });

  // advisory alpine-secdb: edge/community.json, edits [replace a secfixes entry with {deep: 4108, inArray}]
  it("alpine secdb: an array as a secfixes entry is a problem", async () => {
    const secdb = `{"distroversion":"v3.20","reponame":"main","packages":[{"pkg":{"name":"croc","secfixes":{"9.6.16-r0":[${deepArray()}]}}}]}`;
    const items = await syncOf(createAlpineSecdbSource(), "main.json", secdb);
    expect(reasons(items).join("\n")).toContain("entry an array of 1 is not a string");
  });

  // advisory debian-tracker: tracker.json, edits [replace a release status with {deep: 4111}, ...]
  it("debian tracker: an object as a release status is a problem", async () => {
    const tracker = `{"bash":{"CVE-2022-3715":{"releases":{"bookworm":{"status":${deepObject()},"urgency":"low"}}}}}`;
    const items = await syncOf(createDebianTrackerSource(), "tracker.json", tracker);
    expect(reasons(items).join("\n")).toContain("status an object is not resolved, open or undetermined");
  });

  // advisory kev: known_exploited_vulnerabilities.json, edits [delete, replace cveID with {deep: 4112}, ...]
  it("CISA KEV: an object as a cveID is a problem", async () => {
    const kev = `{"catalogVersion":"2025.08.25","vulnerabilities":[{"cveID":${deepObject()},"dateAdded":"2025-08-25"}]}`;
    const items = await syncOf(createKevSource(), "kev.json", kev);
    expect(reasons(items)).toEqual(["cveID an object is not a CVE id; skipped"]);
  });

  it("image manifest: an object as the schemaVersion is a ManifestInvalidError", () => {
    const mediaType = "application/vnd.oci.image.manifest.v1+json";
    const bytes = Buffer.from(`{"mediaType":"${mediaType}","schemaVersion":${deepObject()}}`);
    expect(() => parseManifest(bytes, { where: "test" })).toThrow(ManifestInvalidError);
  });
});

describe("fuzz regressions: other crashes", () => {
  // extract lang/yarn-lock (npm run fuzz, seed 455058589): yarn_v2_happy.lock, mutations
  // [set a byte to 0, cut 1 byte] → a `patch:` range whose `%` is not followed by two hex digits
  it("yarn berry: a patch: descriptor that is not percent-encoding is an issue, not a URIError", async () => {
    const lock = [
      "__metadata:",
      "  version: 6",
      "",
      '"left-pad@patch:left-pad@npm%ZZ1.3.0#./fix.patch":',
      "  version: 1.3.0",
      '  resolution: "left-pad@patch:left-pad@npm%ZZ1.3.0#./fix.patch"',
      "",
    ].join("\n");
    const result = await runExtractor(createYarnLockExtractor(), "/app/yarn.lock", Buffer.from(lock));
    expect(result.issues.map((i) => [i.code, i.line])).toEqual([["yarn-lock-bad-name", 4]]);
  });

  // advisory osv (JSON record): USN-6906-1.json, edits [copy, replace id with "\ud800"] → URIError
  it("OSV: an id with an unpaired surrogate is a problem, not a URIError", async () => {
    const record = JSON.stringify({ id: "\ud800", modified: "2024-01-01T00:00:00Z" });
    const items = await syncOf(createOsvSource(), "record.json", record);
    expect(reasons(items)).toEqual([
      "not a usable OSV record: id: must be a non-empty string without spaces, control characters or unpaired surrogates",
    ]);
  });

  // advisory alpine-secdb (npm run fuzz, seed 455058589): edge/community.json, edits [replace
  // pkg.name with "\ud800"] → URIError building the package URL. The Debian tracker built its
  // package URLs the same way from its keys: fixed with it.
  it("alpine secdb and Debian tracker: a package name with an unpaired surrogate is a problem", async () => {
    const secdb = JSON.stringify({
      distroversion: "v3.20",
      reponame: "main",
      packages: [{ pkg: { name: "\ud800", secfixes: { "1.0-r0": ["CVE-2024-0001"] } } }],
    });
    const alpine = await syncOf(createAlpineSecdbSource(), "main.json", secdb);
    expect(reasons(alpine)).toEqual(["pkg.name is not text (an unpaired surrogate); skipped"]);
    const tracker = JSON.stringify({
      "\ud800": { "CVE-2024-0001": { releases: { bookworm: { status: "open", urgency: "low" } } } },
    });
    const debian = await syncOf(createDebianTrackerSource(), "tracker.json", tracker);
    expect(reasons(debian)).toEqual(["the package name is not text (an unpaired surrogate); skipped"]);
  });

  // image archive TarIndex (random tar headers): size field "!" → RangeError from createReadStream
  it("image archive: a size field that is no number is a LocalSourceError", async () => {
    const header = tarHeader({ name: "manifest.json" }, 0, "0");
    header.write("!\0\0\0\0\0\0\0\0\0\0\0", 124, "latin1");
    rewriteChecksum(header);
    const path = join(work, "bad-size.tar");
    writeFileSync(path, Buffer.concat([header, Buffer.alloc(1024)]));
    await expect(TarIndex.open(path)).rejects.toThrow(LocalSourceError);
    await expect(TarIndex.open(path)).rejects.toThrow(/header size field is not a valid number at byte 0/);
  });

  // Found while fixing the above: a negative PAX size moved the index backwards; -1536 lands it
  // on the PAX header again, which sends it back once more: an endless loop.
  it("image archive: a negative PAX size is a LocalSourceError, not an endless loop", {
    timeout: 5000,
  }, async () => {
    const body = Buffer.from("14 size=-1536\n");
    const pax = Buffer.concat([
      tarHeader({ name: "PaxHeaders/x" }, body.length, "x"),
      body,
      Buffer.alloc(512 - body.length),
    ]);
    const path = join(work, "negative-pax.tar");
    writeFileSync(path, Buffer.concat([pax, tarHeader({ name: "a" }, 0, "0"), Buffer.alloc(1024)]));
    await expect(TarIndex.open(path)).rejects.toThrow(/declares -1536 bytes/);
  });

  // extract os/rpm (ndb): sle15-bci Packages.db, mutations [flip bit 1 of byte 14] → the slot
  // page count of the header grows, every 16 bytes after it is read as a slot: 85,541 issues.
  it("rpm ndb: a damaged slot page count yields a bounded list of issues", async () => {
    const corpus = Corpus.fromCoreFiles([
      "extract/builtin/rpm/testdata/sle15-bci/usr/lib/sysimage/rpm/Packages.db",
    ]);
    const content = corpus.apply({ fixture: corpus.names[0]!, mutations: [{ op: "flip", at: 14, bit: 1 }] });
    const result = await runExtractor(createRpmExtractor(), "/usr/lib/sysimage/rpm/Packages.db", content);
    expect(result.issues.length).toBeLessThanOrEqual(202);
    expect(result.issues.at(-1)?.message).toMatch(/^\d+ more problems of this database are not listed$/);
  });
});

function rewriteChecksum(header: Buffer): void {
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
}
