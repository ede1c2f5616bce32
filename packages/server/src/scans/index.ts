export * from "./scan-service.js";
