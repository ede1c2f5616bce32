/**
 * Fuzzing of the language package extractors (npm package.json and lockfiles, Python core
 * metadata, gemspecs, Composer, .NET deps), seeded with their real fixtures; the JSON formats
 * also get structured edits that keep the document valid JSON.
 */
import { describe } from "vitest";
import { createComposerExtractor } from "../extract/builtin/composer/index.js";
import { createDotnetDepsExtractor } from "../extract/builtin/dotnet/index.js";
import { createGemExtractor } from "../extract/builtin/gem/index.js";
import {
  createNpmPackageJsonExtractor,
  createNpmPackageLockExtractor,
  createPnpmLockExtractor,
  createYarnLockExtractor,
} from "../extract/builtin/npm/index.js";
import { createPythonExtractor } from "../extract/builtin/python/index.js";
import { Corpus } from "./test-support/corpus.js";
import { fuzzExtractor } from "./test-support/fuzz-extractor.js";

const NPM = "extract/builtin/npm/testdata";

describe("fuzz: language packages", () => {
  fuzzExtractor({
    extractor: createNpmPackageJsonExtractor(),
    paths: ["/app/node_modules/express/package.json", "/app/node_modules/@babel/parser/package.json"],
    corpus: Corpus.fromCoreDir(NPM, (p) => p.endsWith("/package.json") || p.includes("/packagejson/")),
    json: true,
  });

  fuzzExtractor({
    extractor: createNpmPackageLockExtractor(),
    paths: ["/app/package-lock.json"],
    corpus: Corpus.fromCoreDir(NPM, (p) =>
      /\/(scalibr\/npm|trivy\/npm)\/[^/]+\.json$|npm-happy\/package-lock/.test(p),
    ),
    json: true,
  });

  fuzzExtractor({
    extractor: createYarnLockExtractor(),
    paths: ["/app/yarn.lock"],
    corpus: Corpus.fromCoreDir(NPM, (p) => p.endsWith(".lock")),
  });

  fuzzExtractor({
    extractor: createPnpmLockExtractor(),
    paths: ["/app/pnpm-lock.yaml"],
    corpus: Corpus.fromCoreDir(NPM, (p) => p.endsWith(".yaml")),
  });

  fuzzExtractor({
    extractor: createPythonExtractor(),
    paths: [
      "/usr/lib/python3/dist-packages/pkg-1.0.dist-info/METADATA",
      "/usr/lib/python3/site-packages/pkg-1.0.egg-info/PKG-INFO",
      "/usr/lib/python3/site-packages/pkg-1.0.egg-info",
    ],
    corpus: Corpus.fromCoreDir(
      "extract/builtin/python/testdata",
      (p) => !p.endsWith(".json") && !p.includes("/ruby/") && !p.includes("/php/"),
    ),
  });

  fuzzExtractor({
    extractor: createGemExtractor(),
    paths: ["/usr/lib/ruby/gems/3.1.0/specifications/rack-3.0.8.gemspec"],
    corpus: Corpus.fromCoreDir("extract/builtin/gem/testdata").with(
      Corpus.fromCoreDir("extract/builtin/python/testdata/image-pkg-coverage/ruby"),
    ),
  });

  fuzzExtractor({
    extractor: createComposerExtractor(),
    paths: ["/app/vendor/composer/installed.json"],
    corpus: Corpus.fromCoreDir("extract/builtin/composer/testdata"),
    json: true,
  });

  fuzzExtractor({
    extractor: createDotnetDepsExtractor(),
    paths: ["/app/MyApp.deps.json"],
    corpus: Corpus.fromCoreDir("extract/builtin/dotnet/testdata"),
    json: true,
  });
});
