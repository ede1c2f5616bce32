export * from "./scan-runtime.js";
export * from "./start-server.js";
