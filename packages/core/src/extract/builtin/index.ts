import type { Extractor } from "../extractor.js";
import { createExtractorList } from "../extractor-list.js";
import { createApkExtractor } from "./apk/index.js";
import { createComposerExtractor } from "./composer/index.js";
import { createDotnetDepsExtractor } from "./dotnet/index.js";
import { createDpkgExtractor } from "./dpkg/index.js";
import { createGemExtractor } from "./gem/index.js";
import { createGoBinaryExtractor } from "./go-binary/index.js";
import { createJavaArchiveExtractor } from "./java/index.js";
import { createNpmExtractors } from "./npm/index.js";
import { createOsReleaseExtractor } from "./os-release/index.js";
import { createPythonExtractor } from "./python/index.js";
import { createRpmExtractor } from "./rpm/index.js";
import { createRustBinaryExtractor } from "./rust-binary/index.js";

/** Every built-in extractor, listed explicitly (no registration by import side effect). */
export function createBuiltinExtractors(): readonly Extractor[] {
  return createExtractorList([
    createOsReleaseExtractor(),
    createDpkgExtractor(),
    createApkExtractor(),
    createRpmExtractor(),
    ...createNpmExtractors(),
    createPythonExtractor(),
    createGemExtractor(),
    createComposerExtractor(),
    createDotnetDepsExtractor(),
    createJavaArchiveExtractor(),
    createGoBinaryExtractor(),
    createRustBinaryExtractor(),
  ]);
}
