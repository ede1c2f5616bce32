export * from "./start-server.js";
