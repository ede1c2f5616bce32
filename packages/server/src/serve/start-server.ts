import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { type Logger, pino } from "pino";
import { createDatabase, type VigilDatabase } from "../db/create-database.js";
import { migrateToLatest } from "../db/migrations/migrate.js";
import { createHttpApp } from "../http/create-http-app.js";
import { createHttpMetrics } from "../http/http-metrics.js";
import type { RouteDefinition } from "../http/route-definition.js";
import { systemRoutes } from "../http/routes/system-routes.js";

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
  /** More routes, given the open database (the resource routes). */
  readonly routes?: (database: VigilDatabase) => readonly RouteDefinition[];
}

/** A running server. */
export interface RunningServer {
  /** `http://HOST:PORT` as reachable from this machine. */
  readonly url: string;
  readonly database: VigilDatabase;
  /** Stops accepting requests, waits for those in flight, then closes the database. */
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
  } catch (error) {
    if (owned) await database.close();
    throw error;
  }
  const app = createHttpApp({
    routes: [...systemRoutes(database, options.version), ...(options.routes?.(database) ?? [])],
    version: options.version,
    metrics: createHttpMetrics(),
    logError: (message, error) => logger.error({ err: error }, message),
  });
  const host = options.host ?? "0.0.0.0";
  const { server, address } = await new Promise<{ server: ReturnType<typeof serve>; address: AddressInfo }>(
    (resolve, reject) => {
      const s = serve({ fetch: app.fetch, port: options.port ?? 8080, hostname: host }, (info) =>
        resolve({ server: s, address: info }),
      );
      s.once("error", reject);
    },
  );
  const shownHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  const url = `http://${shownHost.includes(":") ? `[${shownHost}]` : shownHost}:${address.port}`;
  logger.info({ url, database: database.location }, "vigil server listening");
  let closing: Promise<void> | undefined;
  return {
    url,
    database,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        if (owned) await database.close();
        logger.info("vigil server stopped");
      })();
      return closing;
    },
  };
}
