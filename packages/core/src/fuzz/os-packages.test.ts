/**
 * Fuzzing of the OS package database extractors (dpkg status, apk installed, the three rpm
 * database formats) and os-release, seeded with their real fixtures.
 */
import { describe } from "vitest";
import { createApkExtractor } from "../extract/builtin/apk/index.js";
import { createDpkgExtractor } from "../extract/builtin/dpkg/index.js";
import { createOsReleaseExtractor } from "../extract/builtin/os-release/index.js";
import { createRpmExtractor } from "../extract/builtin/rpm/index.js";
import { Corpus } from "./test-support/corpus.js";
import { fuzzExtractor } from "./test-support/fuzz-extractor.js";

describe("fuzz: OS package databases", () => {
  fuzzExtractor({
    extractor: createDpkgExtractor(),
    paths: ["/var/lib/dpkg/status", "/var/lib/dpkg/status.d/pkg"],
    corpus: Corpus.fromCoreDir("extract/builtin/dpkg/testdata", (p) => !p.endsWith(".json")),
  });

  fuzzExtractor({
    extractor: createApkExtractor(),
    paths: ["/lib/apk/db/installed"],
    corpus: Corpus.fromCoreDir("extract/builtin/apk/testdata"),
  });

  fuzzExtractor({
    extractor: createOsReleaseExtractor(),
    paths: ["/etc/os-release", "/usr/lib/os-release", "/etc/redhat-release", "/etc/alpine-release"],
    corpus: Corpus.fromCoreDir("extract/builtin/os-release/testdata"),
  });

  // One property per database format, so each gets its share of inputs. The fixtures are the
  // real databases rpm wrote (a few hundred KB each; the 3.6 MB CBL-Mariner one is left to
  // the rpm extractor's own tests to keep this run short).
  const rpm = createRpmExtractor();
  fuzzExtractor({
    extractor: rpm,
    format: "sqlite",
    paths: ["/var/lib/rpm/rpmdb.sqlite"],
    corpus: Corpus.fromCoreFiles([
      "extract/builtin/rpm/testdata/generated/rpmdb.sqlite",
      "extract/builtin/rpm/testdata/generated/rpmdb-page512.sqlite",
      "extract/builtin/rpm/testdata/generated/rpmdb-utf16be.sqlite",
      "extract/builtin/rpm/testdata/generated/rpmdb-page65536-reserved32.sqlite",
    ]),
  });
  fuzzExtractor({
    extractor: rpm,
    format: "bdb",
    paths: ["/var/lib/rpm/Packages"],
    corpus: Corpus.fromCoreFiles([
      "extract/builtin/rpm/testdata/generated/Packages-be",
      "extract/builtin/rpm/testdata/generated/Packages-le-page512",
      "extract/builtin/rpm/testdata/syft-dive/var/lib/rpm/Packages",
      "extract/builtin/rpm/testdata/scalibr-epoch/var/lib/rpm/Packages",
      "extract/builtin/rpm/testdata/libuuid/var/lib/rpm/Packages",
    ]),
  });
  fuzzExtractor({
    extractor: rpm,
    format: "ndb",
    paths: ["/usr/lib/sysimage/rpm/Packages.db"],
    corpus: Corpus.fromCoreFiles(["extract/builtin/rpm/testdata/sle15-bci/usr/lib/sysimage/rpm/Packages.db"]),
    runsScale: 0.5,
  });
});
