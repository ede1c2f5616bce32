/**
 * @vigil/core: the pure scanning library. Image sources, layer walking, extractors,
 * inventory and reports; nothing here opens a server or a database. Everything stateful
 * (HTTP client, cache) is passed in.
 */

export * from "./advisory/index.js";
export * from "./archive/zip/index.js";
export * from "./cache/index.js";
export * from "./discover/index.js";
export * from "./extract/index.js";
export * from "./findings/index.js";
export * from "./import/index.js";
export * from "./inventory/index.js";
export * from "./layer/index.js";
export * from "./match/index.js";
export * from "./model/index.js";
export * from "./registry/index.js";
export * from "./report/index.js";
export * from "./scan/index.js";
export * from "./suppress/index.js";
export * from "./version/index.js";
export * from "./yaml/parse-nested-yaml.js";
