import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { type Logger, pino } from "pino";
import { createDatabase, type VigilDatabase } from "../db/create-database.js";
import { migrateToLatest } from "../db/migrations/migrate.js";
import { createHttpApp } from "../http/create-http-app.js";
import { createHttpMetrics } from "../http/http-metrics.js";
import type { BearerTokenAuthenticator } from "../http/principal.js";
import type { RouteDefinition } from "../http/route-definition.js";
import { systemRoutes } from "../http/routes/system-routes.js";
import type { ScanService } from "../scans/scan-service.js";
import { findingSearchIndexOf } from "../store/finding-search-index.js";
import { type ScanRuntime, type ServeScanOptions, startScanRuntime } from "./scan-runtime.js";

/** Options of {@link startServer}. */
export interface StartServerOptions {
  /** TCP port; 0 picks a free one (tests). Default 8080. */
  readonly port?: number;
  /** Interface to listen on; default all (`0.0.0.0`). */
  readonly host?: string;
  /** Where the SQLite database lives when `databaseUrl` is not set. */
  readonly dataDir?: string;
  /** An open database to use instead (tests, embedding); migrated here, never closed by the server. */
  readonly database?: VigilDatabase;
  /** `postgres://…` to use PostgreSQL instead of the embedded SQLite. */
  readonly databaseUrl?: string;
  readonly version: string;
  readonly logger?: Logger;
  /**
   * More routes, given the open database (the resource routes) and the services they call:
   * `scans` is the scan runner when `scans.enabled`.
   */
  readonly routes?: (database: VigilDatabase, services: ServerServices) => readonly RouteDefinition[];
  /** Who bearer tokens stand for (user API tokens, agent tokens), given the open database. */
  readonly authenticators?: (database: VigilDatabase) => readonly BearerTokenAuthenticator[];
  /** Run scans, the scheduler and the advisory update in this process (see {@link ServeScanOptions}). */
  readonly scans?: ServeScanOptions;
}

/** What the server hands its routes besides the database. */
export interface ServerServices {
  /** Starts and cancels scans; absent when this server does not run scans. */
  readonly scans?: ScanService;
}

/** A running server. */
export interface RunningServer {
  /** `http://HOST:PORT` as reachable from this machine. */
  readonly url: string;
  readonly database: VigilDatabase;
  /** The scan runner, scheduler and advisory update, when `scans.enabled`. */
  readonly scans?: ScanRuntime;
  /**
   * Stops accepting requests and waits for those in flight, stops the scheduler and the scan
   * runner (running scans become `interrupted` and run again at the next start), then closes
   * the database.
   */
  close(): Promise<void>;
}

/**
 * `vigil serve`: opens the database (SQLite under the data directory, or PostgreSQL),
 * applies migrations, and serves the HTTP API on one port.
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const logger = options.logger ?? pino({ name: "vigil" });
  const owned = options.database === undefined;
  const database = options.database ?? createDatabase({ url: options.databaseUrl, dataDir: options.dataDir });
  try {
    await migrateToLatest(database.db);
    // the findings search works without its index, only slower: say why, once, at startup
    const search = await findingSearchIndexOf(database.db);
    if (search.method === "none") {
      logger.warn({ reason: search.detail }, "the findings search has no index: it reads every finding");
    }
  } catch (error) {
    if (owned) await database.close();
    throw error;
  }
  let scans: ScanRuntime | undefined;
  if (options.scans?.enabled) {
    try {
      scans = await startScanRuntime(database, options.scans, {
        logger,
        ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      });
    } catch (error) {
      if (owned) await database.close();
      throw error;
    }
  }
  const services: ServerServices = scans ? { scans: scans.runner } : {};
  const app = createHttpApp({
    routes: [...systemRoutes(database, options.version), ...(options.routes?.(database, services) ?? [])],
    version: options.version,
    metrics: createHttpMetrics(),
    ...(options.authenticators ? { authenticators: options.authenticators(database) } : {}),
    logError: (message, error) => logger.error({ err: error }, message),
  });
  const host = options.host ?? "0.0.0.0";
  let listening: { server: ReturnType<typeof serve>; address: AddressInfo };
  try {
    listening = await new Promise<{ server: ReturnType<typeof serve>; address: AddressInfo }>(
      (resolve, reject) => {
        const s = serve({ fetch: app.fetch, port: options.port ?? 8080, hostname: host }, (info) =>
          resolve({ server: s, address: info }),
        );
        s.once("error", reject);
      },
    );
  } catch (error) {
    await scans?.stop();
    if (owned) await database.close();
    throw error;
  }
  const { server, address } = listening;
  const shownHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  const url = `http://${shownHost.includes(":") ? `[${shownHost}]` : shownHost}:${address.port}`;
  logger.info({ url, database: database.location }, "vigil server listening");
  let closing: Promise<void> | undefined;
  return {
    url,
    database,
    ...(scans ? { scans } : {}),
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await scans?.stop();
        if (owned) await database.close();
        logger.info("vigil server stopped");
      })();
      return closing;
    },
  };
}
