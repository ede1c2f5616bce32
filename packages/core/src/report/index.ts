export * from "./cyclonedx-sbom.js";
export * from "./cyclonedx-vulnerabilities.js";
export * from "./gitlab/index.js";
export * from "./inventory-json.js";
export * from "./inventory-table.js";
export * from "./matches-table.js";
export * from "./sarif/index.js";
export * from "./scan-json.js";
