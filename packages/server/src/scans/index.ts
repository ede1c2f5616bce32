/**
 * Running cluster scans in the server and keeping what they find: the scan runner (a bounded
 * in-process queue), storing a scan's images, containers and findings, re-matching stored
 * inventories after an advisory update, and the scheduler's view of stored policies.
 */
export * from "./advisory-sync.js";
export * from "./advisory-update.js";
export * from "./agent-scan-intake.js";
export * from "./cluster-scan-executor.js";
export * from "./finding-changes.js";
export * from "./keyed-lock.js";
export * from "./queued-scan-service.js";
export * from "./rematch-stored-images.js";
export * from "./scan-context.js";
export * from "./scan-queue.js";
export * from "./scan-runner.js";
export * from "./scan-service.js";
export * from "./scan-stores.js";
export * from "./scan-worker.js";
export * from "./store-cluster-scan.js";
export * from "./stored-policy-schedule.js";
