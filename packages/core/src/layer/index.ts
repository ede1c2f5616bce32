export * from "./decompress.js";
export * from "./image-path.js";
export * from "./layer-entry.js";
export * from "./layer-errors.js";
export * from "./layer-limits.js";
export * from "./walk-layer.js";
