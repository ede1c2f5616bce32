import type { NewScan, ScanRecord, ScanScope, ScanTrigger } from "../store/scan-repository.js";

/** What starting a scan needs. */
export interface StartScanRequest {
  readonly clusterId: string;
  readonly scope: ScanScope;
  readonly trigger: ScanTrigger;
  /** The policy that scheduled it, if one did. */
  readonly policyId?: string;
}

/**
 * Starts and stops cluster scans: the one seam between the HTTP routes / the scheduler and
 * the workers that run scans. `start` queues the scan and returns at once; the scan runs in
 * the background (an in-process pool on one machine, workers in the next step).
 */
export interface ScanService {
  /** Queues a scan; rejects with `ApiError` 404 for an unknown cluster. */
  start(request: StartScanRequest): Promise<ScanRecord>;
  /** Cancels a queued or running scan; false when it had already finished or does not exist. */
  cancel(scanId: string): Promise<boolean>;
}

/**
 * The scan row a start request creates: its namespaces without blanks or repeats (an empty
 * list: every namespace).
 */
export function newScanOf(request: StartScanRequest, id: string, createdAt: string): NewScan {
  return {
    id,
    clusterId: request.clusterId,
    ...(request.policyId ? { policyId: request.policyId } : {}),
    trigger: request.trigger,
    scope: { namespaces: [...new Set(request.scope.namespaces.filter((ns) => ns !== ""))] },
    createdAt,
  };
}
