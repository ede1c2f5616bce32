export * from "./scan-cluster.js";
export * from "./scan-cluster-images.js";
export * from "./scan-image.js";
export * from "./scan-image-inventory.js";
export * from "./scan-progress.js";
