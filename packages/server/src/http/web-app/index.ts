export * from "./web-app-assets.js";
export * from "./web-app-handler.js";
