/**
 * Fuzzing of the zip reader (through `openZip`, reading every entry both ways) and of the Java
 * archive extractor on top of it, seeded with jars made of the real jar metadata fixtures,
 * a war nesting them, and zips using data descriptors, ZIP64 fields and a prefix.
 */
import { join } from "node:path";
import { describe } from "vitest";
import { openZip, ZipFormatError, ZipLimitError, zipSourceFromBuffer } from "../archive/zip/index.js";
import { buildZip } from "../archive/zip/test-support/zip-builder.js";
import { createJavaArchiveExtractor } from "../extract/builtin/java/index.js";
import {
  buildJar,
  manifest,
  membersFromDirectory,
} from "../extract/builtin/java/test-support/jar-builder.js";
import { CORE_SRC, Corpus } from "./test-support/corpus.js";
import { fuzzExtractor } from "./test-support/fuzz-extractor.js";
import { fuzz } from "./test-support/fuzz-property.js";

const JAR_METADATA = join(CORE_SRC, "extract/builtin/java/testdata/syft/jar-metadata");
const jar = (name: string) => buildJar(membersFromDirectory(join(JAR_METADATA, name)));

const opensaml = jar("opensaml-core-3.4.6");
const commonsLang = jar("commons-lang3-3.12.0");
const war = buildJar([
  manifest({ "Created-By": "Apache Maven 3.9.6" }),
  { name: "WEB-INF/lib/opensaml-core-3.4.6.jar", data: opensaml, method: 0 },
  { name: "WEB-INF/lib/commons-lang3-3.12.0.jar", data: commonsLang },
]);
const zipVariants = buildZip(
  [
    { name: "META-INF/MANIFEST.MF", data: "Manifest-Version: 1.0\r\nImplementation-Version: 2.0\r\n\r\n" },
    { name: "META-INF/maven/g/a/pom.properties", data: "groupId=g\nartifactId=a\nversion=1\n", zip64: true },
    { name: "lib/", method: 0 },
    { name: "lib/inner.jar", data: opensaml, dataDescriptor: "signature" },
    { name: "notes.txt", data: "descriptor without signature ".repeat(10), dataDescriptor: "plain" },
  ],
  { zip64End: true, prefix: Buffer.from('#!/bin/sh\nexec java -jar "$0"\n'), comment: "fuzz seed" },
).bytes;

const archives = new Corpus(
  new Map([
    ["jar opensaml-core-3.4.6", opensaml],
    ["jar commons-lang3-3.12.0", commonsLang],
    ["jar micronaut-aop-4.9.11", jar("micronaut-aop-4.9.11")],
    ["jar multiple-matching-2.11.5", jar("multiple-matching-2.11.5")],
    ["war of two jars", war],
    ["zip64, descriptors, prefix", zipVariants],
  ]),
).with(Corpus.fromCoreFiles(["extract/builtin/java/testdata/scalibr/not_jar"]));

describe("fuzz: archives", () => {
  fuzz({
    parser: "zip openZip/readEntry",
    inputs: archives.plans(),
    expected: (error) => error instanceof ZipFormatError || error instanceof ZipLimitError,
    run: async (plan) => {
      const bytes = archives.apply(plan);
      const archive = await openZip(zipSourceFromBuffer(bytes), {
        limits: { maxTotalBytes: 64 * 1024 ** 2 },
      });
      // Each entry on its own (so one bad entry does not hide the next), then the fast path.
      for (const entry of archive.entries) {
        await archive.readEntry(entry).catch((error: unknown) => {
          if (!(error instanceof ZipFormatError || error instanceof ZipLimitError)) throw error;
        });
      }
      const again = await openZip(zipSourceFromBuffer(bytes));
      for await (const _ of again.readEntries({ filter: () => true })) {
        // read to the end or the first error
      }
    },
  });

  fuzzExtractor({
    extractor: createJavaArchiveExtractor(),
    paths: ["/app/lib/app.jar", "/usr/local/tomcat/webapps/shop.war"],
    corpus: archives,
  });
});
