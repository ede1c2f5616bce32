export * from "./directory-layer-cache.js";
export * from "./layer-cache.js";
