export * from "./directory-image-cache.js";
export * from "./directory-json-store.js";
export * from "./directory-layer-cache.js";
export * from "./image-cache.js";
export * from "./layer-cache.js";
