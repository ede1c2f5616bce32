export * from "./scan-image-inventory.js";
export * from "./scan-progress.js";
