export * from "./build-image-inventory.js";
export * from "./merge-layers.js";
export * from "./package-url.js";
export * from "./resolve-os.js";
