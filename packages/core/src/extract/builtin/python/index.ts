export { type CoreMetadataHeaders, parseCoreMetadata } from "./parse-core-metadata.js";
export { createPythonExtractor, isPythonMetadataPath, normalizePythonName } from "./python-extractor.js";
