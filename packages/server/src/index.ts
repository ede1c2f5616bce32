/**
 * @vigil/server: everything stateful. For now the database layer (SQLite or PostgreSQL via
 * Kysely) and the advisory store built on it; the HTTP server, scheduler and queue follow.
 */

export * from "./agents/index.js";
export * from "./db/index.js";
export * from "./http/index.js";
export * from "./kube/index.js";
export * from "./notify/index.js";
export * from "./scans/index.js";
export * from "./scheduler/index.js";
export * from "./serve/index.js";
export * from "./store/index.js";
