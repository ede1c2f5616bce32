export * from "./check-osv-record.js";
export * from "./osv-ecosystems.js";
export * from "./osv-source.js";
