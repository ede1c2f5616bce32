export * from "./advisory.js";
export * from "./cvss/index.js";
export * from "./ecosystem-key.js";
export * from "./memory-advisory-reader.js";
export * from "./osv-record.js";
export * from "./severity-level.js";
export * from "./source.js";
export * from "./store.js";
