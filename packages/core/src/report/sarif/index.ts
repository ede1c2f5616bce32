export * from "./render-sarif.js";
export type * from "./sarif-log.js";
