import type { WholeFileExtractor } from "../../extractor.js";
import { createNpmPackageJsonExtractor } from "./package-json-extractor.js";
import { createNpmPackageLockExtractor } from "./package-lock-extractor.js";
import { createPnpmLockExtractor } from "./pnpm-lock-extractor.js";
import { createYarnLockExtractor } from "./yarn-lock-extractor.js";

export { createNpmPackageJsonExtractor, installedFolderName } from "./package-json-extractor.js";
export { createNpmPackageLockExtractor } from "./package-lock-extractor.js";
export { createPnpmLockExtractor } from "./pnpm-lock-extractor.js";
export { createYarnLockExtractor } from "./yarn-lock-extractor.js";

/** The npm ecosystem's extractors: installed `package.json` files and the three lockfile formats. */
export function createNpmExtractors(): readonly WholeFileExtractor[] {
  return [
    createNpmPackageJsonExtractor(),
    createNpmPackageLockExtractor(),
    createYarnLockExtractor(),
    createPnpmLockExtractor(),
  ];
}
