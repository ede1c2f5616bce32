export * from "./create-owner.js";
export * from "./load-policy-file.js";
export * from "./scan-runtime.js";
export * from "./service-logger.js";
export * from "./start-server.js";
export * from "./start-worker.js";
