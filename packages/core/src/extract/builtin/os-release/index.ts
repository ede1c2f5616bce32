export { createOsReleaseExtractor } from "./os-release-extractor.js";
export { parseOsRelease } from "./parse-os-release.js";
