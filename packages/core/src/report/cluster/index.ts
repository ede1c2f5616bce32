export * from "./cluster-scan-json.js";
export * from "./cluster-scan-table.js";
