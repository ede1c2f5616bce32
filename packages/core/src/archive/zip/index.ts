export * from "./open-zip.js";
export * from "./zip-entry.js";
export * from "./zip-errors.js";
export * from "./zip-limits.js";
export * from "./zip-source.js";
