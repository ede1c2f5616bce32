export { createGemExtractor, isInstalledGemspecPath } from "./gem-extractor.js";
export { type GemspecFields, parseGemspec } from "./parse-gemspec.js";
