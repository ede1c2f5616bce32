import { describe, expect, it } from "vitest";
import type { ExtractedPackage } from "../../../model/package.js";
import type { ExtractorResult } from "../../extractor.js";
import { createRpmExtractor, RPM_DATABASE_PATHS } from "./index.js";
import { RpmType } from "./rpm-header.js";
import { RpmTag } from "./rpm-tags.js";
import { DATABASE_FIXTURES, packageRows, readRpmQa, readTestdata } from "./test-support/fixtures.js";
import { buildHeaderBlob } from "./test-support/header-builder.js";

const extractor = createRpmExtractor();

function extract(content: Buffer, path = "/var/lib/rpm/Packages"): ExtractorResult {
  const result = extractor.extract({ path, content, info: { size: content.length, mode: 0o644 } });
  if (result instanceof Promise) throw new Error("the rpm extractor is synchronous");
  return result;
}

function byName(packages: readonly ExtractedPackage[], name: string): ExtractedPackage {
  const found = packages.find((p) => p.name === name);
  if (!found) throw new Error(`no package ${name}`);
  return found;
}

describe("createRpmExtractor", () => {
  it("has a stable name and version", () => {
    expect(extractor.name).toBe("os/rpm");
    expect(extractor.version).toBe(1);
  });

  it("wants exactly the six rpm database paths", () => {
    const info = { size: 1, mode: 0o644 };
    expect([...RPM_DATABASE_PATHS].sort()).toEqual([
      "/usr/lib/sysimage/rpm/Packages",
      "/usr/lib/sysimage/rpm/Packages.db",
      "/usr/lib/sysimage/rpm/rpmdb.sqlite",
      "/var/lib/rpm/Packages",
      "/var/lib/rpm/Packages.db",
      "/var/lib/rpm/rpmdb.sqlite",
    ]);
    for (const path of RPM_DATABASE_PATHS) expect(extractor.required(path, info)).toBe(true);
    for (const path of [
      "/var/lib/rpm/Name",
      "/var/lib/rpm/Index.db",
      "/var/lib/rpm/rpmdb.sqlite-wal",
      "/var/lib/rpm/rpmdb.sqlite-shm",
      "/usr/share/rpm/Packages",
      "/var/lib/rpm/Packages/x",
      "var/lib/rpm/Packages",
      "/tmp/var/lib/rpm/Packages",
    ]) {
      expect(extractor.required(path, info)).toBe(false);
    }
  });
});

describe("every fixture gives exactly the package set rpm lists", () => {
  it.each(DATABASE_FIXTURES)("$name", (fixture) => {
    const expected = readRpmQa(fixture.expected);
    const width = expected[0]!.length;
    // rpm -qa lists imported keys as gpg-pubkey pseudo-packages; the extractor drops them.
    const keys = expected.filter((row) => row[0] === "gpg-pubkey");
    const result = extract(readTestdata(fixture.database));
    expect(result.issues).toEqual([]);
    expect(packageRows(result.packages, width)).toEqual(expected.filter((row) => row[0] !== "gpg-pubkey"));
    for (const key of keys) expect(key.slice(4, 6)).toEqual(["(none)", "(none)"]);

    for (const pkg of result.packages) {
      const m = pkg.metadata!;
      const evr = `${m.version}-${m.release}`;
      expect(pkg.type).toBe("rpm");
      expect(pkg.version).toBe(m.epoch === undefined ? evr : `${m.epoch}:${evr}`);
      // The source name and version come from SOURCERPM, split from the right.
      const source = /^(.+)-([^-]+)-([^-]+)\.(?:no)?src\.rpm$/.exec(m.sourceRpm!)!;
      expect(pkg.sourceName).toBe(source[1]);
      expect(pkg.sourceVersion).toBe(
        `${m.epoch === undefined ? "" : `${m.epoch}:`}${source[2]}-${source[3]}`,
      );
    }
  });

  it("the generated database has one gpg-pubkey line in rpm's own list", () => {
    const keys = readRpmQa("generated/rpm-qa.tsv").filter((row) => row[0] === "gpg-pubkey");
    expect(keys).toHaveLength(1);
    expect(keys[0]!.slice(4, 7)).toEqual(["(none)", "(none)", "pubkey"]);
  });
});

describe("package fields", () => {
  it("CBL-Mariner curl, as go-rpmdb's TestRpmDB_Package describes it", () => {
    const { packages } = extract(readTestdata("cbl-mariner-2.0/var/lib/rpm/rpmdb.sqlite"));
    expect(packages).toHaveLength(129);
    expect(byName(packages, "curl")).toEqual({
      type: "rpm",
      name: "curl",
      version: "7.76.0-6.cm2",
      sourceName: "curl",
      sourceVersion: "7.76.0-6.cm2",
      arch: "x86_64",
      metadata: {
        version: "7.76.0",
        release: "6.cm2",
        vendor: "Microsoft Corporation",
        license: "MIT",
        sourceRpm: "curl-7.76.0-6.cm2.src.rpm",
      },
    });
    expect(byName(packages, "ca-certificates-base").version).toBe("1:2.0.0-1.cm2");
    expect(byName(packages, "ca-certificates-base").sourceName).toBe("ca-certificates");
  });

  it("a binary package built from a differently named source", () => {
    const { packages } = extract(readTestdata("libuuid/var/lib/rpm/Packages"));
    expect(
      packages.map((p) => [p.name, p.version, p.sourceName, p.sourceVersion, p.metadata?.vendor]),
    ).toEqual([["libuuid", "2.32.1-42.el8_8", "util-linux", "2.32.1-42.el8_8", "Red Hat, Inc."]]);
  });

  it("epoch, explicit epoch 0, vendor and modularity label", () => {
    const { packages } = extract(
      readTestdata("generated/rpmdb.sqlite"),
      "/usr/lib/sysimage/rpm/rpmdb.sqlite",
    );
    expect(byName(packages, "vigil-base-libs")).toEqual({
      type: "rpm",
      name: "vigil-base-libs",
      version: "3:1.2.3-4.vg1",
      sourceName: "vigil-base",
      sourceVersion: "3:1.2.3-4.vg1",
      arch: "x86_64",
      metadata: {
        epoch: "3",
        version: "1.2.3",
        release: "4.vg1",
        vendor: "Vigil Test Vendor",
        modularityLabel: "vigil:3:20240101000000:0badc0de",
        license: "MIT AND (Apache-2.0 OR BSD-3-Clause)",
        sourceRpm: "vigil-base-1.2.3-4.vg1.src.rpm",
      },
    });
    // An explicit Epoch: 0 is kept: the header has one.
    expect(byName(packages, "vigil-zero")).toMatchObject({
      version: "0:0.9-1",
      arch: "noarch",
      metadata: { epoch: "0" },
    });
    expect(byName(packages, "vigil-plain-07").metadata).toEqual({
      version: "07.0",
      release: "1",
      license: "BSD-2-Clause",
      sourceRpm: "vigil-plain-07-07.0-1.src.rpm",
    });
    expect(packages.some((p) => p.name === "gpg-pubkey")).toBe(false);
  });

  it("returns packages sorted by name, version and arch", () => {
    const { packages } = extract(readTestdata("cbl-mariner-2.0/var/lib/rpm/rpmdb.sqlite"));
    const names = packages.map((p) => p.name);
    expect(names).toEqual([...names].sort());
  });

  it("every format gives the same packages for the same headers", () => {
    const reference = extract(readTestdata("generated/rpmdb.sqlite")).packages;
    for (const file of [
      "generated/rpmdb-page512.sqlite",
      "generated/rpmdb-page65536-reserved32.sqlite",
      "generated/rpmdb-utf16be.sqlite",
      "generated/Packages-le-page512",
      "generated/Packages-be",
    ]) {
      expect(extract(readTestdata(file)).packages, file).toEqual(reference);
    }
  });
});

describe("format detection uses the bytes, not the file name", () => {
  it.each([
    ["/var/lib/rpm/Packages", "cbl-mariner-2.0/var/lib/rpm/rpmdb.sqlite", 129],
    ["/var/lib/rpm/rpmdb.sqlite", "sle15-bci/usr/lib/sysimage/rpm/Packages.db", 35],
    ["/usr/lib/sysimage/rpm/Packages.db", "libuuid/var/lib/rpm/Packages", 1],
  ])("%s holding %s", (path, file, count) => {
    const result = extract(readTestdata(file), path);
    expect(result.issues).toEqual([]);
    expect(result.packages).toHaveLength(count);
  });
});

describe("files that are not rpm databases", () => {
  it.each([
    ["an empty file", Buffer.alloc(0), "warning"],
    ["osv-scalibr's 'invalid' fixture", Buffer.from("asdf\n"), "error"],
    ["a text file", Buffer.from("SQLite format 2 is not 3\n".repeat(40)), "error"],
    ["zeros", Buffer.alloc(8192), "error"],
  ])("%s gives one issue and no packages", (_label, content, severity) => {
    const result = extract(content);
    expect(result.packages).toEqual([]);
    expect(result.issues).toEqual([{ severity, code: "rpm-not-a-database", message: expect.any(String) }]);
  });

  it("a BerkeleyDB b-tree (an rpm index file, never Packages) is reported as unsupported", () => {
    const btree = Buffer.alloc(4096);
    btree.writeUInt32LE(0x053162, 12);
    expect(extract(btree)).toEqual({
      packages: [],
      issues: [
        {
          severity: "error",
          code: "rpm-unsupported-database",
          message: "unsupported: a BerkeleyDB b-tree (rpm keeps Packages in a hash)",
          record: "page 0",
        },
      ],
    });
  });
});

describe("a damaged header inside a good database", () => {
  it("an index entry pointing outside the data store loses that package only", () => {
    const db = Buffer.from(readTestdata("sle15-bci/usr/lib/sysimage/rpm/Packages.db"));
    // Slot 2 (the first slot) describes package 1; its blob starts after a 16-byte head.
    const blockOffset = db.readUInt32LE(32 + 8);
    const blob = blockOffset * 16 + 16;
    const dl = db.readUInt32BE(blob + 4);
    db.writeInt32BE(dl + 100, blob + 8 + 8); // offset of index entry 0
    const result = extract(db, "/usr/lib/sysimage/rpm/Packages.db");
    expect(result.packages).toHaveLength(34);
    expect(result.issues).toEqual([
      {
        severity: "warning",
        code: "rpm-corrupt-header",
        message: "package 1: blob checksum mismatch, its data may be damaged",
        record: "1",
      },
      {
        severity: "error",
        code: "rpm-corrupt-header",
        message: expect.stringMatching(
          /^header 1: index entry 0 \(tag \d+\): offset \d+ is outside the \d+-byte data store$/,
        ),
        record: "1",
      },
    ]);
  });

  it("a header without a version is skipped with an issue naming it", () => {
    const bad = buildHeaderBlob([{ tag: RpmTag.NAME, type: RpmType.STRING, value: "half" }]);
    const good = buildHeaderBlob([
      { tag: RpmTag.NAME, type: RpmType.STRING, value: "whole" },
      { tag: RpmTag.VERSION, type: RpmType.STRING, value: "1" },
      { tag: RpmTag.RELEASE, type: RpmType.STRING, value: "2" },
      { tag: RpmTag.SOURCERPM, type: RpmType.STRING, value: "nosource" },
    ]);
    const result = extractBlobs([bad, good]);
    expect(result.packages).toEqual([
      {
        type: "rpm",
        name: "whole",
        version: "1-2",
        metadata: { version: "1", release: "2", sourceRpm: "nosource" },
      },
    ]);
    expect(result.issues).toEqual([
      {
        severity: "error",
        code: "rpm-missing-field",
        message: "header 1 has no version, release",
        record: "1",
      },
      {
        severity: "warning",
        code: "rpm-bad-source-rpm",
        message: "header 2: source rpm 'nosource' is not name-version-release.src.rpm",
        record: "2",
      },
    ]);
  });
});

/** Wrap header blobs in a minimal NDB file (the simplest container to write). */
function extractBlobs(blobs: readonly Buffer[]): ExtractorResult {
  const parts: Buffer[] = [];
  const slots = Buffer.alloc(4096);
  slots.write("RpmP", 0, "latin1");
  slots.writeUInt32LE(1, 12); // one slot page
  slots.writeUInt32LE(blobs.length + 1, 16);
  for (let at = 32; at < 4096; at += 16) slots.write("Slot", at, "latin1");
  let block = 4096 / 16;
  blobs.forEach((blob, i) => {
    const blocks = Math.ceil((16 + blob.length + 12) / 16);
    slots.writeUInt32LE(i + 1, 32 + 16 * i + 4);
    slots.writeUInt32LE(block, 32 + 16 * i + 8);
    slots.writeUInt32LE(blocks, 32 + 16 * i + 12);
    const area = Buffer.alloc(blocks * 16);
    area.write("BlbS", 0, "latin1");
    area.writeUInt32LE(i + 1, 4);
    area.writeUInt32LE(blob.length, 12);
    blob.copy(area, 16);
    const tail = area.length - 12;
    area.writeUInt32LE(0, tail); // checksum left wrong on purpose: the test ignores warnings
    area.writeUInt32LE(blob.length, tail + 4);
    area.write("BlbE", tail + 8, "latin1");
    parts.push(area);
    block += blocks;
  });
  const result = extract(Buffer.concat([slots, ...parts]), "/var/lib/rpm/Packages.db");
  return { ...result, issues: result.issues.filter((i) => !i.message.includes("checksum")) };
}
