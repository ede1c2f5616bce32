export * from "./advisory-locks.js";
export * from "./advisory-store.js";
export {
  AdvisoryImportError,
  EXPORT_FORMAT,
  EXPORT_VERSION,
  type ExportSummary,
  type ImportSummary,
  type TransferSummary,
} from "./advisory-transfer.js";
export * from "./create-database.js";
export { type DatabaseDialect, dialectOf, MAX_PARAMETERS } from "./dialect.js";
export * from "./leader-election.js";
export {
  createMigrationProvider,
  MIGRATIONS,
  MigrationError,
  migrateToLatest,
} from "./migrations/migrate.js";
export type * from "./schema.js";
export * from "./sync-advisory-source.js";
