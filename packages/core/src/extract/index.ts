export * from "./builtin/index.js";
export * from "./extractor.js";
export * from "./extractor-list.js";
export * from "./file-reader.js";
export * from "./run-extractors.js";
