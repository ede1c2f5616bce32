import type { FindingActor } from "@vigil/core";
import type { Context } from "hono";
import type { ScanService } from "../../scans/scan-service.js";
import type { ClusterRepository } from "../../store/cluster-repository.js";
import type { FindingHistoryRepository } from "../../store/finding-history-repository.js";
import type { FindingRepository } from "../../store/finding-repository.js";
import type { OpenFindingTrendReader } from "../../store/open-finding-trend.js";
import type { ScanPolicyRepository } from "../../store/scan-policy-repository.js";
import type { ScanRepository } from "../../store/scan-repository.js";
import type { WorkloadContainerRepository } from "../../store/workload-container-repository.js";
import { actorOf, principalOf } from "../principal.js";
import { ApiError } from "../route-definition.js";
import type { StoredImageReader } from "./stored-images.js";
import type { WebhookRouteDeps } from "./webhook-routes.js";

/**
 * Who a change made through the API is recorded as in finding history: the request's user
 * (`user:<id>`), so changes by hand stay told apart from a scan's (`system`). Routes that
 * change findings need a role, so authorization has set a user before the handler runs.
 */
export function requestActor(c: Context): FindingActor {
  const principal = principalOf(c);
  if (principal?.kind !== "user") throw new ApiError(401, "changes to findings are made by signed-in users");
  return actorOf(principal);
}

/** What the `/api/v1` resource routes read, write and call. */
export interface ApiRouteDeps {
  readonly clusters: ClusterRepository;
  readonly policies: ScanPolicyRepository;
  readonly scanRecords: ScanRepository;
  /** Starts and cancels scans (the seam to the workers). */
  readonly scans: ScanService;
  readonly findings: FindingRepository;
  readonly history: FindingHistoryRepository;
  /** Open findings per day, for the trend. */
  readonly trend: OpenFindingTrendReader;
  readonly workloads: WorkloadContainerRepository;
  /** Stored images by digest, for the report exports and a finding's match. */
  readonly images: StoredImageReader;
  /** Injected clock. */
  readonly now: () => Date;
  /** Id generator for new policies and findings. */
  readonly newId: () => string;
  /** The server's version, written into the reports it exports. */
  readonly version: string;
  /** Webhooks, their delivery log and the outbox that sends test pings. */
  readonly notifications: Omit<WebhookRouteDeps, "now" | "newId">;
}
