import { resolve } from "node:path";
import {
  type AdvisoryStore,
  createAdvisoryStore,
  createDatabase,
  migrateToLatest,
  type VigilDatabase,
} from "@vigil/server";

/** Where the CLI keeps its data: `$VIGIL_DATA_DIR`, default `./.vigil`. */
export function cliDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.VIGIL_DATA_DIR || ".vigil");
}

/** The advisory store the CLI uses: PostgreSQL when `DATABASE_URL` says so, else SQLite under the data dir. */
export async function openCliStore(env: NodeJS.ProcessEnv = process.env): Promise<{
  readonly database: VigilDatabase;
  readonly store: AdvisoryStore;
}> {
  const database = createDatabase({ url: env.DATABASE_URL, dataDir: cliDataDir(env) });
  try {
    await migrateToLatest(database.db);
  } catch (error) {
    await database.close();
    throw error;
  }
  return { database, store: createAdvisoryStore(database.db) };
}
