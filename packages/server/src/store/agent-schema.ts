/**
 * Kysely types of what migration `0006-agents` adds to the `agents` table of 0002: the agent's
 * mode and its namespaces. Kept apart from `store-schema.ts` so the agents' columns change in
 * one place.
 */
import type { Kysely } from "kysely";
import type { VigilSchema } from "../db/schema.js";
import { type AgentsTable, type StoreSchema, storeDb } from "./store-schema.js";

/** The columns 0006 adds to `agents`. */
export interface AgentSettingsColumns {
  /** `scan` or `discover` ({@link AgentMode}). */
  mode: string;
  /** JSON array of namespaces covered when a scan names none; `[]`: every namespace. */
  namespaces_json: string;
}

/** The `agents` table with 0006's columns. */
export type AgentsWithSettingsTable = AgentsTable & AgentSettingsColumns;

/** The store's tables with the agents' 0006 columns. */
export type AgentStoreSchema = Omit<StoreSchema, "agents"> & { agents: AgentsWithSettingsTable };

/** The database as the agent repository sees it. */
export type AgentStoreDb = Kysely<VigilSchema & AgentStoreSchema>;

/** The agent repository's view of the database (same connection). */
export function agentStoreDb(db: Kysely<VigilSchema>): AgentStoreDb {
  return storeDb(db).withTables<{ agents: AgentsWithSettingsTable }>() as unknown as AgentStoreDb;
}
