import type { Kysely, Selectable } from "kysely";
import { sql } from "kysely";
import { rowsPerStatement } from "../db/advisory-writes.js";
import { chunks, dialectOf } from "../db/dialect.js";
import type { VigilSchema } from "../db/schema.js";
import { orNull, present } from "./column-values.js";
import { storeDb, type WorkloadContainersTable } from "./store-schema.js";

/** One container of one workload in one cluster, as a scan last saw it. */
export interface WorkloadContainerRecord {
  readonly clusterId: string;
  readonly namespace: string;
  readonly workloadKind: string;
  readonly workloadName: string;
  readonly containerName: string;
  /** The digest it runs (`RunningContainer.digest`). */
  readonly digest: string;
  /** The image as the pod spec writes it. */
  readonly image: string;
  /** Since when this digest has run in it (earliest container start seen), when known. */
  readonly runningSince?: string;
  readonly lastSeenAt: string;
}

/** A workload container with the name of its cluster. */
export interface ClusterWorkloadContainer extends WorkloadContainerRecord {
  readonly clusterName: string;
}

/** What {@link WorkloadContainerRepository.runningDigest} found: at most the limit, and whether there were more. */
export interface DigestContainers {
  /** By cluster id, namespace, workload kind and name, container. */
  readonly containers: readonly ClusterWorkloadContainer[];
  /** More containers run the digest than the limit let through. */
  readonly truncated: boolean;
}

/** The workload containers seen in clusters: what runs where, and since when. */
export interface WorkloadContainerRepository {
  /**
   * Adds or updates containers, in one transaction. Several entries for one workload
   * container (replicas): the last one's digest wins, with the earliest start among the
   * entries of that digest. A stored container that still runs the same digest keeps its
   * earlier `runningSince`; a new digest starts it again.
   */
  upsert(containers: readonly WorkloadContainerRecord[]): Promise<void>;
  /** A cluster's containers, by namespace, workload kind and name, container; optionally narrowed. */
  list(
    clusterId: string,
    filter?: { readonly namespaces?: readonly string[]; readonly digest?: string },
  ): Promise<WorkloadContainerRecord[]>;
  /**
   * The containers of every cluster that run `digest`, at most `limit` of them (a digest run
   * by thousands of pods must not make a huge answer).
   */
  runningDigest(digest: string, limit: number): Promise<DigestContainers>;
  /**
   * Forgets a cluster's containers last seen before `before` (gone since): call after a
   * complete scan, with its start time, for the namespaces it covered (all when absent).
   * Returns how many were removed.
   */
  removeNotSeenSince(
    clusterId: string,
    before: string,
    options?: { readonly namespaces?: readonly string[] },
  ): Promise<number>;
}

/** The workload container repository over Vigil's database. */
export function createWorkloadContainerRepository(
  database: Kysely<VigilSchema>,
): WorkloadContainerRepository {
  const db = storeDb(database);
  const dialect = dialectOf(database);
  return {
    async upsert(containers) {
      const rows = merge(containers).map(
        (c): WorkloadContainersTable => ({
          cluster_id: c.clusterId,
          namespace: c.namespace,
          workload_kind: c.workloadKind,
          workload_name: c.workloadName,
          container_name: c.containerName,
          digest: c.digest,
          image: c.image,
          running_since: orNull(c.runningSince),
          last_seen_at: c.lastSeenAt,
        }),
      );
      if (rows.length === 0) return;
      const stored = sql.ref("workload_containers.running_since");
      const given = sql.ref("excluded.running_since");
      await db.transaction().execute(async (trx) => {
        for (const part of chunks(rows, rowsPerStatement(dialect, 9))) {
          await trx
            .insertInto("workload_containers")
            .values(part)
            .onConflict((oc) =>
              oc
                .columns(["cluster_id", "namespace", "workload_kind", "workload_name", "container_name"])
                .doUpdateSet((eb) => ({
                  running_since: sql<string | null>`case
                    when ${sql.ref("workload_containers.digest")} = ${sql.ref("excluded.digest")}
                      and ${stored} is not null and (${given} is null or ${stored} <= ${given})
                    then ${stored} else ${given} end`,
                  digest: eb.ref("excluded.digest"),
                  image: eb.ref("excluded.image"),
                  last_seen_at: eb.ref("excluded.last_seen_at"),
                })),
            )
            .execute();
        }
      });
    },

    async list(clusterId, filter = {}) {
      let query = db.selectFrom("workload_containers").selectAll().where("cluster_id", "=", clusterId);
      if (filter.namespaces) {
        if (filter.namespaces.length === 0) return [];
        query = query.where("namespace", "in", filter.namespaces);
      }
      if (filter.digest !== undefined) query = query.where("digest", "=", filter.digest);
      const rows = await query
        .orderBy("namespace")
        .orderBy("workload_kind")
        .orderBy("workload_name")
        .orderBy("container_name")
        .execute();
      return rows.map(toContainer);
    },

    async runningDigest(digest, limit) {
      const rows = await db
        .selectFrom("workload_containers as w")
        .innerJoin("clusters as c", "c.id", "w.cluster_id")
        .selectAll("w")
        .select("c.name as cluster_name")
        // through workload_containers_digest_idx, then sorted: one digest's rows are few enough
        // (10,000 pods sort in milliseconds)
        .where("w.digest", "=", digest)
        .orderBy("w.cluster_id")
        .orderBy("w.namespace")
        .orderBy("w.workload_kind")
        .orderBy("w.workload_name")
        .orderBy("w.container_name")
        .limit(limit + 1)
        .execute();
      return {
        containers: rows
          .slice(0, limit)
          .map((row) => ({ ...toContainer(row), clusterName: row.cluster_name })),
        truncated: rows.length > limit,
      };
    },

    async removeNotSeenSince(clusterId, before, options = {}) {
      let query = db
        .deleteFrom("workload_containers")
        .where("cluster_id", "=", clusterId)
        .where("last_seen_at", "<", before);
      if (options.namespaces) {
        if (options.namespaces.length === 0) return 0;
        query = query.where("namespace", "in", options.namespaces);
      }
      const result = await query.executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

/** One entry per workload container (a statement may not touch a row twice on PostgreSQL). */
function merge(containers: readonly WorkloadContainerRecord[]): WorkloadContainerRecord[] {
  const byKey = new Map<string, WorkloadContainerRecord[]>();
  for (const c of containers) {
    const key = JSON.stringify([c.clusterId, c.namespace, c.workloadKind, c.workloadName, c.containerName]);
    const list = byKey.get(key) ?? [];
    byKey.set(key, list);
    list.push(c);
  }
  return [...byKey.values()].map((entries) => {
    const last = entries[entries.length - 1]!;
    let since: string | undefined;
    for (const e of entries) {
      if (
        e.digest === last.digest &&
        e.runningSince !== undefined &&
        (since === undefined || e.runningSince < since)
      ) {
        since = e.runningSince;
      }
    }
    const { runningSince: _, ...rest } = last;
    return since !== undefined ? { ...rest, runningSince: since } : rest;
  });
}

function toContainer(row: Selectable<WorkloadContainersTable>): WorkloadContainerRecord {
  return {
    clusterId: row.cluster_id,
    namespace: row.namespace,
    workloadKind: row.workload_kind,
    workloadName: row.workload_name,
    containerName: row.container_name,
    digest: row.digest,
    image: row.image,
    ...present("runningSince", row.running_since),
    lastSeenAt: row.last_seen_at,
  };
}
