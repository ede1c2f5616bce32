import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { pino } from "pino";
import type { VigilDatabase } from "../../db/create-database.js";
import type { NotificationsRuntime } from "../../notify/notifications-runtime.js";
import type { AgentScanIntake } from "../../scans/agent-scan-intake.js";
import type { ScanService } from "../../scans/scan-service.js";
import { createClusterRepository } from "../../store/cluster-repository.js";
import { createFindingHistoryRepository } from "../../store/finding-history-repository.js";
import { createFindingRepository } from "../../store/finding-repository.js";
import { createOpenFindingTrendReader } from "../../store/open-finding-trend.js";
import { createScanPolicyRepository } from "../../store/scan-policy-repository.js";
import { createScanRepository } from "../../store/scan-repository.js";
import { InvalidCursorError, StoreConflictError } from "../../store/store-errors.js";
import { createWebhookDeliveryRepository } from "../../store/webhook-delivery-repository.js";
import { createWebhookRepository } from "../../store/webhook-repository.js";
import { createWorkloadContainerRepository } from "../../store/workload-container-repository.js";
import { ApiError, type RouteDefinition } from "../route-definition.js";
import { agentRoutes } from "./agent-routes.js";
import type { ApiRouteDeps } from "./api-route-deps.js";
import { clusterRoutes } from "./cluster-routes.js";
import { developmentFindingRoutes } from "./development-finding-routes.js";
import { findingExportRoutes } from "./finding-export-routes.js";
import { findingRoutes } from "./finding-routes.js";
import { findingTrendRoutes } from "./finding-trend-routes.js";
import { policyRoutes } from "./policy-routes.js";
import { scanRoutes } from "./scan-routes.js";
import { createStoredImageReader } from "./stored-images.js";
import { webhookRoutes } from "./webhook-routes.js";

/**
 * Every `/api/v1` resource route: clusters, policies, scans, findings (list, summary, export,
 * state changes) and development findings. Static paths come before the `:id` routes they
 * share a prefix with (`/findings/summary` and `/findings/trend` before `/findings/:id`): the first match wins.
 * Store errors a client can fix become API errors: a taken name is 409, a foreign cursor 400.
 */
export function allRoutes(deps: ApiRouteDeps): RouteDefinition[] {
  const routes = [
    ...clusterRoutes(deps),
    ...policyRoutes(deps),
    ...scanRoutes(deps),
    ...findingExportRoutes(deps),
    ...findingTrendRoutes(deps),
    ...findingRoutes(deps),
    ...developmentFindingRoutes(deps),
    ...webhookRoutes({ ...deps.notifications, now: deps.now, newId: deps.newId }),
  ];
  return withStoreErrorsAsApiErrors(routes);
}

/** `routes` whose handlers throw the store errors a client can act on as API errors ({@link asApiError}). */
export function withStoreErrorsAsApiErrors(routes: readonly RouteDefinition[]): RouteDefinition[] {
  return routes.map((route) => ({
    ...route,
    handler: async (c) => {
      try {
        return await route.handler(c);
      } catch (error) {
        throw asApiError(error);
      }
    },
  }));
}

/** A store error the client can act on, as the API error that says so; other errors unchanged. */
export function asApiError(error: unknown): unknown {
  if (error instanceof StoreConflictError)
    return new ApiError(409, error.message, undefined, { cause: error });
  if (error instanceof InvalidCursorError) {
    return new ApiError(
      400,
      `cursor: ${error.message}`,
      { field: "query.cursor", reason: error.message },
      {
        cause: error,
      },
    );
  }
  return error;
}

/** Options of {@link apiRoutes}. */
export interface ApiRoutesOptions {
  readonly database: VigilDatabase;
  /**
   * Starts and cancels scans (`startServer` hands its routes `services.scans`). Absent when the
   * server runs no scans: starting or cancelling one then answers 503.
   */
  readonly scans?: ScanService;
  /** Written into exported reports; default `0.0.0`. */
  readonly version?: string;
  /** Default the system clock. */
  readonly now?: () => Date;
  /** Default random UUIDs. */
  readonly newId?: () => string;
  /**
   * The webhook outbox (test pings) and URL policy (`startServer` hands its routes
   * `services.notifications`). Without it webhooks can be configured, with no host allow-list,
   * and a test ping answers 503.
   */
  readonly notifications?: Pick<NotificationsRuntime, "outbox" | "urlPolicy">;
  /**
   * Takes in in-cluster agents' results (`startServer` hands its routes `services.agentScans`).
   * Absent when the server runs no scans: agents' results then answer 503.
   */
  readonly agentScans?: AgentScanIntake;
  /** Where refusals worth an operator's attention are logged (`services.logger`). */
  readonly logger?: Logger;
}

/** The scan service of a server that runs no scans. */
const NO_SCANS: ScanService = {
  start: () => Promise.reject(noScans()),
  cancel: () => Promise.reject(noScans()),
};

function noScans(): ApiError {
  return new ApiError(503, "this server does not run scans: start it with scans enabled");
}

/**
 * The resource routes over an open database, for `startServer`'s `routes` option:
 * `startServer({ ..., routes: (database, services) => apiRoutes({ database, ...services }) })`.
 */
export function apiRoutes(options: ApiRoutesOptions): RouteDefinition[] {
  const now = options.now ?? (() => new Date());
  const newId = options.newId ?? randomUUID;
  return [
    ...resourceRoutes(options, now, newId),
    // registering agents, and what agents call with their own token
    ...agentRoutes({
      database: options.database,
      ...(options.agentScans ? { intake: options.agentScans } : {}),
      logger: options.logger ?? pino({ name: "vigil" }),
      now,
      newId,
    }),
  ];
}

function resourceRoutes(options: ApiRoutesOptions, now: () => Date, newId: () => string): RouteDefinition[] {
  const db = options.database.db;
  return allRoutes({
    clusters: createClusterRepository(db),
    policies: createScanPolicyRepository(db),
    scanRecords: createScanRepository(db),
    scans: options.scans ?? NO_SCANS,
    findings: createFindingRepository(db),
    history: createFindingHistoryRepository(db),
    trend: createOpenFindingTrendReader(db),
    workloads: createWorkloadContainerRepository(db),
    images: createStoredImageReader(db),
    now,
    newId,
    version: options.version ?? "0.0.0",
    notifications: {
      webhooks: createWebhookRepository(db),
      deliveries: createWebhookDeliveryRepository(db),
      urlPolicy: options.notifications?.urlPolicy ?? {},
      ...(options.notifications ? { outbox: options.notifications.outbox } : {}),
    },
  });
}
