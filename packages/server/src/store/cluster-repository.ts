import type { Kysely, Selectable } from "kysely";
import type { VigilSchema } from "../db/schema.js";
import { present } from "./column-values.js";
import type { ScanStatus } from "./scan-repository.js";
import { type ClustersTable, storeDb } from "./store-schema.js";

/** How Vigil reaches a cluster (ARCHITECTURE.md section 7). */
export type ClusterConnectionKind = "kubeconfig" | "agent";

/** A cluster as configured. Its id is the cluster id findings and scans carry. */
export interface ClusterRecord {
  readonly id: string;
  readonly name: string;
  readonly connectionKind: ClusterConnectionKind;
  /** The kubeconfig context the server connects with (`kubeconfig` clusters). */
  readonly kubeconfigContext?: string;
  readonly createdAt: string;
  /** When the last scan finished, and how (kept by the scan repository as scans finish). */
  readonly lastScanAt?: string;
  readonly lastScanStatus?: ScanStatus;
}

/** What {@link ClusterRepository.upsert} takes: the configured fields. */
export type ClusterInput = Pick<ClusterRecord, "id" | "name" | "connectionKind" | "kubeconfigContext"> & {
  /** Kept from the first upsert; later upserts do not change it. */
  readonly createdAt: string;
};

/** Clusters. */
export interface ClusterRepository {
  /** Adds a cluster or updates its name and connection; creation time and last scan stay. */
  upsert(cluster: ClusterInput): Promise<ClusterRecord>;
  get(id: string): Promise<ClusterRecord | undefined>;
  /** Every cluster, by name then id. */
  list(): Promise<ClusterRecord[]>;
}

/** The cluster repository over Vigil's database. */
export function createClusterRepository(database: Kysely<VigilSchema>): ClusterRepository {
  const db = storeDb(database);
  const get = async (id: string) => {
    const row = await db.selectFrom("clusters").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? toCluster(row) : undefined;
  };
  return {
    async upsert(cluster) {
      const configured = {
        name: cluster.name,
        connection_kind: cluster.connectionKind,
        kubeconfig_context: cluster.kubeconfigContext ?? null,
      };
      await db
        .insertInto("clusters")
        .values({
          id: cluster.id,
          ...configured,
          created_at: cluster.createdAt,
          last_scan_at: null,
          last_scan_status: null,
        })
        .onConflict((oc) => oc.column("id").doUpdateSet(configured))
        .execute();
      return (await get(cluster.id))!;
    },
    get,
    async list() {
      const rows = await db.selectFrom("clusters").selectAll().orderBy("name").orderBy("id").execute();
      return rows.map(toCluster);
    },
  };
}

function toCluster(row: Selectable<ClustersTable>): ClusterRecord {
  return {
    id: row.id,
    name: row.name,
    connectionKind: row.connection_kind as ClusterConnectionKind,
    ...present("kubeconfigContext", row.kubeconfig_context),
    createdAt: row.created_at,
    ...present("lastScanAt", row.last_scan_at),
    ...present("lastScanStatus", row.last_scan_status as ScanStatus | null),
  };
}
