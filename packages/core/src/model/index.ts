export * from "./image.js";
export * from "./issue.js";
export * from "./os-info.js";
export * from "./package.js";
