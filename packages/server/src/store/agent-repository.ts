import type { Kysely, Selectable } from "kysely";
import type { VigilSchema } from "../db/schema.js";
import { type AgentsWithSettingsTable, agentStoreDb } from "./agent-schema.js";
import { fromJson, orNull, present, toJson } from "./column-values.js";
import { conflictAs } from "./store-errors.js";

/**
 * What an agent does with a scan it claims: `scan` pulls and reads the images inside the
 * cluster and sends their inventories; `discover` sends the running containers and the
 * pull-secret credentials they need, and the server pulls and scans.
 */
export type AgentMode = "scan" | "discover";

/** The agent modes, for input checks. */
export const AGENT_MODES: readonly AgentMode[] = ["scan", "discover"];

/** An in-cluster agent as stored (never its token). */
export interface AgentRecord {
  readonly id: string;
  readonly clusterId: string;
  readonly name: string;
  readonly mode: AgentMode;
  /** Namespaces covered when a scan names none; empty: every namespace. */
  readonly namespaces: readonly string[];
  readonly createdAt: string;
  readonly revokedAt?: string;
  readonly lastSeenAt?: string;
}

/** What {@link AgentRepository.create} takes. */
export type AgentInput = Pick<
  AgentRecord,
  "id" | "clusterId" | "name" | "mode" | "namespaces" | "createdAt"
> & {
  /** SHA-256 of the token (`hashAgentToken`). */
  readonly tokenHash: string;
};

/** Agents and their token hashes. */
export interface AgentRepository {
  /** @throws StoreConflictError when the id or the token hash is taken. */
  create(agent: AgentInput): Promise<AgentRecord>;
  get(id: string): Promise<AgentRecord | undefined>;
  /** A cluster's agents, revoked ones included, oldest first. */
  listByCluster(clusterId: string): Promise<AgentRecord[]>;
  /** The agent a token hash belongs to, unless it is revoked; with the stored hash. */
  findActiveByTokenHash(tokenHash: string): Promise<{ agent: AgentRecord; tokenHash: string } | undefined>;
  /** Revokes an agent's token from `at`; false when there is no such agent or it was revoked already. */
  revoke(id: string, at: string): Promise<boolean>;
  /** Records that the agent was seen at `at`. */
  touch(id: string, at: string): Promise<void>;
}

/** The agent repository over Vigil's database. */
export function createAgentRepository(database: Kysely<VigilSchema>): AgentRepository {
  const db = agentStoreDb(database);
  const get = async (id: string) => {
    const row = await db.selectFrom("agents").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? toAgent(row) : undefined;
  };
  return {
    async create(agent) {
      await conflictAs(`an agent with the id ${agent.id} (or this token) exists already`, () =>
        db
          .insertInto("agents")
          .values({
            id: agent.id,
            cluster_id: agent.clusterId,
            name: agent.name,
            token_hash: agent.tokenHash,
            mode: agent.mode,
            namespaces_json: toJson([...agent.namespaces]),
            created_at: agent.createdAt,
            revoked_at: null,
            last_seen_at: null,
          })
          .execute(),
      );
      return (await get(agent.id))!;
    },
    get,
    async listByCluster(clusterId) {
      const rows = await db
        .selectFrom("agents")
        .selectAll()
        .where("cluster_id", "=", clusterId)
        .orderBy("created_at")
        .orderBy("id")
        .execute();
      return rows.map(toAgent);
    },
    async findActiveByTokenHash(tokenHash) {
      const row = await db
        .selectFrom("agents")
        .selectAll()
        .where("token_hash", "=", tokenHash)
        .where("revoked_at", "is", null)
        .executeTakeFirst();
      return row ? { agent: toAgent(row), tokenHash: row.token_hash } : undefined;
    },
    async revoke(id, at) {
      const result = await db
        .updateTable("agents")
        .set({ revoked_at: at })
        .where("id", "=", id)
        .where("revoked_at", "is", null)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
    async touch(id, at) {
      await db
        .updateTable("agents")
        .set({ last_seen_at: orNull(at) })
        .where("id", "=", id)
        .execute();
    },
  };
}

function toAgent(row: Selectable<AgentsWithSettingsTable>): AgentRecord {
  return {
    id: row.id,
    clusterId: row.cluster_id,
    name: row.name,
    mode: row.mode as AgentMode,
    namespaces: fromJson<string[]>(row.namespaces_json),
    createdAt: row.created_at,
    ...present("revokedAt", row.revoked_at),
    ...present("lastSeenAt", row.last_seen_at),
  };
}
