export { createComposerExtractor } from "./composer-extractor.js";
export { type JsonContent, parseJsonContent } from "./parse-json-content.js";
