import type { Kysely } from "kysely";
import { type AdvisoryStore, createAdvisoryStore } from "../db/advisory-store.js";
import type { VigilSchema } from "../db/schema.js";
import { type ClusterRepository, createClusterRepository } from "../store/cluster-repository.js";
import { createFindingRepository, type FindingRepository } from "../store/finding-repository.js";
import { createImageRepository, type ImageRepository } from "../store/image-repository.js";
import { createScanPolicyRepository, type ScanPolicyRepository } from "../store/scan-policy-repository.js";
import { createScanRepository, type ScanRepository } from "../store/scan-repository.js";
import {
  createWorkloadContainerRepository,
  type WorkloadContainerRepository,
} from "../store/workload-container-repository.js";

/** Every repository the scan runtime reads and writes, over one database. */
export interface ScanStores {
  readonly clusters: ClusterRepository;
  readonly policies: ScanPolicyRepository;
  readonly scans: ScanRepository;
  readonly images: ImageRepository;
  readonly workloadContainers: WorkloadContainerRepository;
  readonly findings: FindingRepository;
  /** What matching reads and advisory syncs write. */
  readonly advisories: AdvisoryStore;
}

/** The repositories over `db`; `overrides` replace single ones (tests inject failures this way). */
export function createScanStores(db: Kysely<VigilSchema>, overrides: Partial<ScanStores> = {}): ScanStores {
  return {
    clusters: overrides.clusters ?? createClusterRepository(db),
    policies: overrides.policies ?? createScanPolicyRepository(db),
    scans: overrides.scans ?? createScanRepository(db),
    images: overrides.images ?? createImageRepository(db),
    workloadContainers: overrides.workloadContainers ?? createWorkloadContainerRepository(db),
    findings: overrides.findings ?? createFindingRepository(db),
    advisories: overrides.advisories ?? createAdvisoryStore(db),
  };
}
