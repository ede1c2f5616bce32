import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { Logger } from "pino";
import { createAgentTokenAuthenticator } from "../agents/agent-authenticator.js";
import { createDatabase, type VigilDatabase } from "../db/create-database.js";
import { migrateToLatest } from "../db/migrations/migrate.js";
import { createHttpApp } from "../http/create-http-app.js";
import { createHttpMetrics } from "../http/http-metrics.js";
import type { BearerTokenAuthenticator } from "../http/principal.js";
import type { RouteDefinition } from "../http/route-definition.js";
import { systemRoutes } from "../http/routes/system-routes.js";
import { createUserAuth, type UserAuthOptions } from "../http/user-auth.js";
import { loadWebAppAssets } from "../http/web-app/web-app-assets.js";
import {
  type NotificationsRuntime,
  type ServeNotificationOptions,
  startNotifications,
} from "../notify/notifications-runtime.js";
import type { AgentScanIntake } from "../scans/agent-scan-intake.js";
import type { ScanService } from "../scans/scan-service.js";
import { createAgentRepository } from "../store/agent-repository.js";
import { findingSearchIndexOf } from "../store/finding-search-index.js";
import { type ScanRuntime, type ServeScanOptions, startScanRuntime } from "./scan-runtime.js";
import { createServiceLogger } from "./service-logger.js";

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
   * `scans` is the scan service when `scans.enabled` (the runner, or the queue on PostgreSQL).
   */
  readonly routes?: (database: VigilDatabase, services: ServerServices) => readonly RouteDefinition[];
  /**
   * Who further bearer tokens stand for, given the open database. Users' API tokens and
   * in-cluster agents' tokens are always known (tried first); tests add stand-ins.
   */
  readonly authenticators?: (database: VigilDatabase) => readonly BearerTokenAuthenticator[];
  /** Clock, session lifetimes and sign-in limits of the users' sign-in (tests move them). */
  readonly auth?: UserAuthOptions;
  /** Run scans, the scheduler and the advisory update in this process (see {@link ServeScanOptions}). */
  readonly scans?: ServeScanOptions;
  /** Webhook notifications (on unless `enabled: false`); see {@link ServeNotificationOptions}. */
  readonly notifications?: ServeNotificationOptions;
  /**
   * The built web UI's folder (`packages/web/dist`), served outside `/api`. Absent: API only;
   * given but not built: the server warns and serves the API.
   */
  readonly webRoot?: string;
}

/** What the server hands its routes besides the database. */
export interface ServerServices {
  /** Starts and cancels scans; absent when this server does not run scans. */
  readonly scans?: ScanService;
  /** Takes in in-cluster agents' results (the scan runner); absent when this server does not run scans. */
  readonly agentScans?: AgentScanIntake;
  /** The server's logger (routes log refusals worth an operator's attention). */
  readonly logger: Logger;
  /** The webhook outbox and URL policy; absent when notifications are off. */
  readonly notifications?: Pick<NotificationsRuntime, "outbox" | "urlPolicy">;
}

/** What `vigil serve` says at start, and the API's 401 says, while nobody can sign in. */
export const NO_USERS_YET =
  "this server has no users yet: run `vigil admin create-owner --email YOU` (same data directory or DATABASE_URL) to create the first owner";

/**
 * Every route the server serves besides the OpenAPI document and metrics (which
 * `createHttpApp` adds): health, sign-in, users and audit, then `options.routes`.
 */
export function serverRoutes(
  database: VigilDatabase,
  options: Pick<StartServerOptions, "version" | "routes">,
  services: ServerServices,
  auth: { readonly routes: readonly RouteDefinition[] },
): RouteDefinition[] {
  return [
    ...systemRoutes(database, options.version),
    ...auth.routes,
    ...(options.routes?.(database, services) ?? []),
  ];
}

/** A running server. */
export interface RunningServer {
  /** `http://HOST:PORT` as reachable from this machine. */
  readonly url: string;
  readonly database: VigilDatabase;
  /** The scan runner, scheduler and advisory update, when `scans.enabled`. */
  readonly scans?: ScanRuntime;
  /** The webhook outbox and dispatcher, unless notifications are off. */
  readonly notifications?: NotificationsRuntime;
  /**
   * Stops accepting requests and waits for those in flight, stops the scheduler and the scan
   * runner (running scans become `interrupted` and run again at the next start), then the
   * webhook dispatcher (deliveries in flight stay pending for the next start), then closes the
   * database.
   */
  close(): Promise<void>;
}

/**
 * `vigil serve`: opens the database (SQLite under the data directory, or PostgreSQL),
 * applies migrations, and serves the HTTP API on one port.
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const logger = options.logger ?? createServiceLogger("vigil");
  const owned = options.database === undefined;
  const database =
    options.database ??
    createDatabase({
      url: options.databaseUrl,
      dataDir: options.dataDir,
      poolSize: poolSizeOf(options.scans),
    });
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
  const notifications =
    options.notifications?.enabled === false
      ? undefined
      : startNotifications(database, options.notifications ?? {}, { logger, version: options.version });
  const metrics = createHttpMetrics();
  let scans: ScanRuntime | undefined;
  if (options.scans?.enabled) {
    try {
      scans = await startScanRuntime(database, options.scans, {
        logger,
        metrics: metrics.registry,
        ...(options.dataDir ? { dataDir: options.dataDir } : {}),
        ...(notifications ? { events: notifications.outbox } : {}),
      });
    } catch (error) {
      await notifications?.stop();
      if (owned) await database.close();
      throw error;
    }
  }
  const services: ServerServices = {
    ...(scans ? { scans: scans.service, agentScans: scans.agentScans } : {}),
    ...(notifications ? { notifications } : {}),
    logger,
  };
  const auth = createUserAuth(database, options.auth);
  const webApp = options.webRoot !== undefined ? loadWebAppAssets(options.webRoot) : undefined;
  if (options.webRoot !== undefined && !webApp) {
    logger.warn(
      { webRoot: options.webRoot },
      "the web UI is not built (no index.html): serving the API only; run `npm run build` to build it",
    );
  }
  const app = createHttpApp({
    ...(webApp ? { webApp } : {}),
    routes: serverRoutes(database, options, services, auth),
    version: options.version,
    metrics,
    // users' tokens, then in-cluster agents' tokens, then any the caller adds
    authenticators: [
      auth.tokenAuthenticator,
      createAgentTokenAuthenticator({ agents: createAgentRepository(database.db) }),
      ...(options.authenticators?.(database) ?? []),
    ],
    sessions: auth.sessions,
    audit: auth.audit,
    hasNoUsers: () => auth.hasNoUsers(),
    ...(options.auth?.now ? { now: options.auth.now } : {}),
    logError: (message, error) => logger.error({ err: error }, message),
  });
  if (await auth.hasNoUsers().catch(() => false)) logger.warn(NO_USERS_YET);
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
    await notifications?.stop();
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
    ...(notifications ? { notifications } : {}),
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await scans?.stop();
        await notifications?.stop();
        if (owned) await database.close();
        logger.info("vigil server stopped");
      })();
      return closing;
    },
  };
}

/**
 * PostgreSQL connections: the default 10, and for each in-process queue worker one per image
 * scan in flight (its digest lock) and one for its findings lock.
 */
function poolSizeOf(scans: ServeScanOptions | undefined): number {
  const queue = scans?.enabled && scans.queue !== false ? scans.queue : undefined;
  const workers = Math.max(0, Math.floor(queue?.workers ?? 1));
  return 10 + workers * ((scans?.concurrency?.imagesPerScan ?? 2) + 1);
}
