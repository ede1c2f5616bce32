export * from "./image.js";
export * from "./image-inventory.js";
export * from "./issue.js";
export * from "./layer-inventory.js";
export * from "./match.js";
export * from "./os-info.js";
export * from "./package.js";
export * from "./running-container.js";
