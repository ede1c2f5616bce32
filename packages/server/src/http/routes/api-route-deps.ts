import type { FindingActor } from "@vigil/core";
import type { ScanService } from "../../scans/scan-service.js";
import type { ClusterRepository } from "../../store/cluster-repository.js";
import type { FindingHistoryRepository } from "../../store/finding-history-repository.js";
import type { FindingRepository } from "../../store/finding-repository.js";
import type { ScanPolicyRepository } from "../../store/scan-policy-repository.js";
import type { ScanRepository } from "../../store/scan-repository.js";
import type { WorkloadContainerRepository } from "../../store/workload-container-repository.js";
import type { StoredImageReader } from "./stored-images.js";
import type { WebhookRouteDeps } from "./webhook-routes.js";

/**
 * The user every change made through the API is recorded as until users and sign-in land:
 * one local operator. Declared here so that the history says `user:local`, not `system`
 * (changes by hand stay told apart from a scan's), and so that one place changes when the
 * request's user is known.
 */
export const LOCAL_USER: FindingActor = Object.freeze({ type: "user", id: "local" });

/** What the `/api/v1` resource routes read, write and call. */
export interface ApiRouteDeps {
  readonly clusters: ClusterRepository;
  readonly policies: ScanPolicyRepository;
  readonly scanRecords: ScanRepository;
  /** Starts and cancels scans (the seam to the workers). */
  readonly scans: ScanService;
  readonly findings: FindingRepository;
  readonly history: FindingHistoryRepository;
  readonly workloads: WorkloadContainerRepository;
  /** Stored images by digest, for the report exports. */
  readonly images: StoredImageReader;
  /** Injected clock. */
  readonly now: () => Date;
  /** Id generator for new policies and findings. */
  readonly newId: () => string;
  /** The server's version, written into the reports it exports. */
  readonly version: string;
  /** Who changes made through the API are recorded as ({@link LOCAL_USER} until users land). */
  readonly actor: FindingActor;
  /** Webhooks, their delivery log and the outbox that sends test pings. */
  readonly notifications: Omit<WebhookRouteDeps, "now" | "newId">;
}
