/**
 * The resource routes' tests: one server per test file and dialect, on loopback over real
 * HTTP, on a database migrated once and emptied before each test (`useStoreTestDatabase`),
 * with a fixed clock, counting ids and a fake scan service that records its calls.
 */
import type { Kysely } from "kysely";
import { pino } from "pino";
import { afterAll, beforeAll, beforeEach } from "vitest";
import type { VigilDatabase } from "../../../db/create-database.js";
import type { DatabaseDialect } from "../../../db/dialect.js";
import type { VigilSchema } from "../../../db/schema.js";
import type { ScanService, StartScanRequest } from "../../../scans/scan-service.js";
import { type RunningServer, startServer } from "../../../serve/start-server.js";
import { createClusterRepository } from "../../../store/cluster-repository.js";
import type { FindingRecord } from "../../../store/finding-record.js";
import { createFindingRepository } from "../../../store/finding-repository.js";
import { createScanRepository } from "../../../store/scan-repository.js";
import { useStoreTestDatabase } from "../../../store/test-support/store-test-database.js";
import { apiRoutes } from "../api-routes.js";

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
  /** `fetch` of a path under the server, with a JSON body when `json` is given. */
  request(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  /** Stores findings (and nothing else) through the repository. */
  seedFindings(findings: readonly FindingRecord[]): Promise<void>;
  /** Registers kubeconfig clusters named after their ids. */
  seedClusters(...ids: string[]): Promise<void>;
}

const silent = pino({ level: "silent" });

/** Registers hooks that give the enclosing `describe` a running server on `dialect`. */
export function useApiServer(dialect: DatabaseDialect): ApiTestServer {
  const database = useStoreTestDatabase(dialect);
  let server: RunningServer | undefined;
  let setupError: unknown;
  let now = NOW;
  let ids = 0;
  const scanCalls: { started: StartScanRequest[]; cancelled: string[] } = { started: [], cancelled: [] };

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
  beforeEach(() => {
    if (setupError) throw setupError;
    now = NOW;
    scanCalls.started.length = 0;
    scanCalls.cancelled.length = 0;
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
    request(path, init = {}) {
      const { json, ...rest } = init;
      return fetch(`${server!.url}${path}`, {
        ...rest,
        ...(json !== undefined
          ? {
              body: JSON.stringify(json),
              headers: { "Content-Type": "application/json", ...(rest.headers as Record<string, string>) },
            }
          : {}),
      });
    },
    async seedFindings(findings) {
      await createFindingRepository(database.current.db).applyChanges({ findings, history: [] });
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
