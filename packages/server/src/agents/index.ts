/**
 * In-cluster agents on the server side: their tokens and the bearer authenticator for them,
 * claiming queued scans, and reading what agents send.
 */
export * from "./agent-authenticator.js";
export * from "./agent-result-input.js";
export * from "./agent-token.js";
export * from "./claim-agent-scan.js";
