/** Small builders for the store tests. */
import type { FindingDetails, FindingIdentity, SeverityLevel } from "@vigil/core";
import type { Kysely } from "kysely";
import type { VigilSchema } from "../../db/schema.js";
import { createClusterRepository } from "../cluster-repository.js";
import type { FindingRecord } from "../finding-record.js";

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

/** Details of a detection of openssl 3.0.13-1 in a Debian image, fixed in 3.0.14-1. */
export function details(fields: Partial<FindingDetails> = {}): FindingDetails {
  return {
    imageDigest: "sha256:aaaa",
    image: "registry.local/shop/web:1",
    packageType: "deb",
    packageVersion: "3.0.13-1",
    purl: "pkg:deb/debian/openssl@3.0.13-1",
    path: "/var/lib/dpkg/status",
    layerDigest: "sha256:l1",
    fixedVersion: "3.0.14-1",
    matchStatus: "fixed",
    severity: { level: "high", source: "cvss-v3", score: 7.5 },
    aliases: ["DSA-5600-1"],
    ...fields,
  };
}

/** Options of {@link finding}: record fields, parts of identity and details, and shortcuts. */
export type FindingFixture = Omit<Partial<FindingRecord>, "identity" | "details"> & {
  readonly identity?: Partial<FindingIdentity>;
  readonly details?: Partial<FindingDetails>;
  /** The severity level alone (source `distribution`, no score). */
  readonly severity?: SeverityLevel;
  /** `false`: no fixed version, status `affected`. */
  readonly fixable?: boolean;
};

/** A detected, operational finding with sensible defaults. */
export function finding(id: string, fields: FindingFixture = {}): FindingRecord {
  const { identity: identityFields, details: detailFields, severity, fixable, ...rest } = fields;
  let d = details(detailFields);
  if (severity) d = { ...d, severity: { level: severity, source: "distribution" } };
  if (fixable === false) {
    const { fixedVersion: _, ...unfixed } = d;
    d = { ...unfixed, matchStatus: "affected" };
  }
  return {
    id,
    identity: identity(identityFields),
    reportType: "operational",
    state: "detected",
    details: d,
    kev: false,
    firstSeen: at(0),
    lastSeen: at(0),
    noLongerDetected: false,
    ...rest,
  };
}
