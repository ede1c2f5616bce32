/**
 * The resource routes' tests: one server per test file and dialect, on loopback over real
 * HTTP, on a database migrated once and emptied before each test (`useStoreTestDatabase`),
 * with a fixed clock, counting ids and a fake scan service that records its calls.
 *
 * Before each test it seeds one user per role, each with an API token; `request` sends the
 * owner's unless told to call as another role, as an agent (a test agent token, standing for
 * the agent authenticator another module provides) or anonymously.
 */
import type { Kysely } from "kysely";
import { pino } from "pino";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { createAgentToken, hashAgentToken } from "../../../agents/agent-token.js";
import type { VigilDatabase } from "../../../db/create-database.js";
import type { DatabaseDialect } from "../../../db/dialect.js";
import type { VigilSchema } from "../../../db/schema.js";
import type { ScanService, StartScanRequest } from "../../../scans/scan-service.js";
import { type RunningServer, startServer } from "../../../serve/start-server.js";
import { createAgentRepository } from "../../../store/agent-repository.js";
import { createApiTokenRepository } from "../../../store/api-token-repository.js";
import { createClusterRepository } from "../../../store/cluster-repository.js";
import type { FindingRecord } from "../../../store/finding-record.js";
import { createFindingRepository } from "../../../store/finding-repository.js";
import { createScanRepository } from "../../../store/scan-repository.js";
import { useStoreTestDatabase } from "../../../store/test-support/store-test-database.js";
import { createUserRepository } from "../../../store/user-repository.js";
import { ROLES, type Role } from "../../role.js";
import type { UserAuthOptions } from "../../user-auth.js";
import { apiRoutes } from "../api-routes.js";

/** Whom a test request is made as: a user of a role, an agent, or nobody. */
export type Caller = Role | "agent" | "anonymous";

/** Every caller, least first. */
export const CALLERS: readonly Caller[] = ["anonymous", ...ROLES, "agent"];

/** The seeded user of each role: id `user-<role>`, email `<role>@vigil.test`. */
export interface SeededUser {
  readonly id: string;
  readonly email: string;
  /** Their API token (`vigil_pat_…`). */
  readonly token: string;
}

/** The bearer token the test agent authenticator knows. */
/** The agent that requests `as: "agent"` come from, registered on first use in a test. */
export const TEST_AGENT = { id: "agent-1", clusterId: "agent-edge" } as const;

/** The fixed time the server's clock reads unless a test moves it. */
export const NOW = new Date("2024-06-01T12:00:00.000Z");

/** What the fake scan service was asked. */
export interface ScanCalls {
  readonly started: StartScanRequest[];
  readonly cancelled: string[];
}

/** A test file's server. */
export interface ApiTestServer {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly db: Kysely<VigilSchema>;
  /** The open database the server uses. */
  readonly database: VigilDatabase;
  readonly scanCalls: ScanCalls;
  /** Moves the server's clock. */
  setNow(now: Date): void;
  /** The seeded users by role (fresh each test). */
  readonly users: Readonly<Record<Role, SeededUser>>;
  /**
   * `fetch` of a path under the server, with a JSON body when `json` is given, as the owner
   * unless `as` says otherwise.
   */
  request(path: string, init?: RequestInit & { json?: unknown; as?: Caller }): Promise<Response>;
  /** Stores findings (and nothing else) through the repository. */
  seedFindings(findings: readonly FindingRecord[]): Promise<void>;
  /** Registers kubeconfig clusters named after their ids. */
  seedClusters(...ids: string[]): Promise<void>;
}

const silent = pino({ level: "silent" });

/** Registers hooks that give the enclosing `describe` a running server on `dialect`. */
export function useApiServer(
  dialect: DatabaseDialect,
  options: { readonly auth?: Omit<UserAuthOptions, "now"> } = {},
): ApiTestServer {
  const database = useStoreTestDatabase(dialect);
  let server: RunningServer | undefined;
  let setupError: unknown;
  let now = NOW;
  let ids = 0;
  const scanCalls: { started: StartScanRequest[]; cancelled: string[] } = { started: [], cancelled: [] };
  const users = {} as Record<Role, SeededUser>;

  // a real agent with a real token (the server's own agent authenticator checks it), made on
  // the first request as an agent in a test: other tests see no agent cluster
  let registeredAgentToken: string | undefined;
  async function agentToken(): Promise<string> {
    if (registeredAgentToken) return registeredAgentToken;
    const createdAt = NOW.toISOString();
    await createClusterRepository(database.current.db).upsert({
      id: TEST_AGENT.clusterId,
      name: TEST_AGENT.clusterId,
      connectionKind: "agent",
      createdAt,
    });
    const token = createAgentToken();
    await createAgentRepository(database.current.db).create({
      id: TEST_AGENT.id,
      clusterId: TEST_AGENT.clusterId,
      name: "edge",
      mode: "scan",
      namespaces: [],
      tokenHash: hashAgentToken(token),
      createdAt,
    });
    registeredAgentToken = token;
    return token;
  }

  const scans: ScanService = {
    async start(request) {
      scanCalls.started.push(request);
      return createScanRepository(database.current.db).create({
        id: `scan-${++ids}`,
        clusterId: request.clusterId,
        trigger: request.trigger,
        scope: request.scope,
        createdAt: now.toISOString(),
      });
    },
    async cancel(scanId) {
      scanCalls.cancelled.push(scanId);
      return createScanRepository(database.current.db).updateStatus({
        id: scanId,
        status: "cancelled",
        at: now.toISOString(),
      });
    },
  };

  beforeAll(async () => {
    try {
      server = await startServer({
        database: database.current,
        port: 0,
        host: "127.0.0.1",
        version: "1.2.3",
        logger: silent,
        auth: { ...options.auth, now: () => now },
        routes: (db, services) =>
          apiRoutes({
            database: db,
            ...(services.notifications ? { notifications: services.notifications } : {}),
            scans,
            version: "1.2.3",
            now: () => now,
            newId: () => `id-${String(++ids).padStart(6, "0")}`,
          }),
      });
    } catch (error) {
      setupError = error;
    }
  });
  beforeEach(async () => {
    if (setupError) throw setupError;
    registeredAgentToken = undefined;
    now = NOW;
    scanCalls.started.length = 0;
    scanCalls.cancelled.length = 0;
    const userStore = createUserRepository(database.current.db);
    const tokens = createApiTokenRepository(database.current.db);
    for (const role of ROLES) {
      const id = `user-${role}`;
      const email = `${role}@vigil.test`;
      await userStore.create({ id, email, name: role, role, createdAt: NOW.toISOString() });
      const { token } = await tokens.create({
        id: `token-${role}`,
        userId: id,
        name: "tests",
        createdAt: NOW.toISOString(),
      });
      users[role] = { id, email, token };
    }
  });
  afterAll(async () => {
    await server?.close();
  });

  return {
    get url() {
      return server!.url;
    },
    get db() {
      return database.current.db;
    },
    get database() {
      return database.current;
    },
    scanCalls,
    setNow(value) {
      now = value;
    },
    users,
    async request(path, init = {}) {
      const { json, as = "owner", ...rest } = init;
      const token = as === "anonymous" ? undefined : as === "agent" ? await agentToken() : users[as].token;
      return fetch(`${server!.url}${path}`, {
        ...rest,
        ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
        headers: {
          ...(json !== undefined ? { "Content-Type": "application/json" } : {}),
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
          ...(rest.headers as Record<string, string>),
        },
      });
    },
    async seedFindings(findings) {
      await createFindingRepository(database.current.db).applyChanges({ findings, history: [], at: now });
    },
    async seedClusters(...clusterIds) {
      const clusters = createClusterRepository(database.current.db);
      for (const id of clusterIds) {
        await clusters.upsert({
          id,
          name: id,
          connectionKind: "kubeconfig",
          kubeconfigContext: id,
          createdAt: NOW.toISOString(),
        });
      }
    },
  };
}

/** The JSON of a response whose status must be `status` (the body is shown when it is not). */
export async function expectJson<T = Record<string, unknown>>(
  response: Response,
  status: number,
): Promise<T> {
  const text = await response.text();
  if (response.status !== status) {
    throw new Error(`expected ${status}, got ${response.status}: ${text}`);
  }
  return JSON.parse(text) as T;
}
