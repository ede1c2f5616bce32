export * from "./create-http-app.js";
export * from "./database-unavailable.js";
export * from "./http-metrics.js";
export * from "./openapi-document.js";
export * from "./role.js";
export * from "./route-definition.js";
