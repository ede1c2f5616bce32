/** Small builders for the store tests. */
import type { Kysely } from "kysely";
import type { VigilSchema } from "../../db/schema.js";
import { createClusterRepository } from "../cluster-repository.js";
import type { FindingIdentity, FindingRecord } from "../finding-record.js";

/** `2024-06-01T00:00:00.000Z` plus `minutes`: fixed-width times, as `toISOString` writes them. */
export function at(minutes: number): string {
  return new Date(Date.UTC(2024, 5, 1) + minutes * 60_000).toISOString();
}

/** Adds the clusters `ids` (named after themselves, kubeconfig connections). */
export async function addClusters(db: Kysely<VigilSchema>, ...ids: string[]): Promise<void> {
  const clusters = createClusterRepository(db);
  for (const id of ids) {
    await clusters.upsert({
      id,
      name: id,
      connectionKind: "kubeconfig",
      kubeconfigContext: id,
      createdAt: at(0),
    });
  }
}

/** An identity in cluster `c1`, namespace `shop`, Deployment `web`, container `app`. */
export function identity(fields: Partial<FindingIdentity> = {}): FindingIdentity {
  return {
    clusterId: "c1",
    namespace: "shop",
    workloadKind: "Deployment",
    workloadName: "web",
    containerName: "app",
    packageName: "openssl",
    advisoryId: "CVE-2024-0001",
    ...fields,
  };
}

/** A detected, operational finding with sensible defaults. */
export function finding(
  id: string,
  fields: Omit<Partial<FindingRecord>, "identity"> & { readonly identity?: Partial<FindingIdentity> } = {},
): FindingRecord {
  const { identity: id_, ...rest } = fields;
  return {
    id,
    identity: identity(id_),
    reportType: "operational",
    state: "detected",
    severity: "high",
    severityScore: 7.5,
    kev: false,
    fixable: true,
    fixedVersion: "3.0.14-1",
    installedVersion: "3.0.13-1",
    packageType: "deb",
    imageDigest: "sha256:aaaa",
    imageReference: "registry.local/shop/web@sha256:aaaa",
    details: { purl: "pkg:deb/debian/openssl@3.0.13-1", aliases: ["DSA-5600-1"] },
    firstSeen: at(0),
    lastSeen: at(0),
    noLongerDetected: false,
    ...rest,
  };
}
