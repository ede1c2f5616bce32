import type {
  KubeContainer,
  KubeContainerState,
  KubeContainerStatus,
  KubeJob,
  KubeListMeta,
  KubeLocalObjectReference,
  KubeNamespace,
  KubeObjectMeta,
  KubeOwnerReference,
  KubePod,
  KubeReplicaSet,
  KubeSecret,
  KubeServiceAccount,
} from "@vigil/core";

/**
 * API objects as parsed from the server's JSON, cut down to the fields core's types name
 * (the ones discovery reads). Discovery keeps every pod of a cluster until it is done, and a
 * served pod carries much more (managedFields, annotations, volumes, env, probes); copying the
 * few fields lets the parsed page go. Values are not converted: the JSON is already in core's
 * wire shape. Absent fields stay absent.
 */

function pick<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Pick<T, K> {
  const picked = {} as Pick<T, K>;
  for (const key of keys) if (source[key] !== undefined) picked[key] = source[key];
  return picked;
}

const OBJECT_META = ["name", "namespace", "uid", "creationTimestamp", "labels"] as const;
const OWNER = ["apiVersion", "kind", "name", "uid", "controller"] as const;

function trimMeta(meta: KubeObjectMeta | undefined): KubeObjectMeta {
  if (!meta) return {};
  const owners = meta.ownerReferences?.map((o: KubeOwnerReference) => pick(o, OWNER));
  return { ...pick(meta, OBJECT_META), ...(owners ? { ownerReferences: owners } : {}) };
}

function trimRefs(
  list: readonly KubeLocalObjectReference[] | undefined,
): KubeLocalObjectReference[] | undefined {
  return list?.map((r) => pick(r, ["name"]));
}

function trimContainer(c: KubeContainer): KubeContainer {
  return pick(c, ["name", "image", "restartPolicy"]);
}

function trimState(s: KubeContainerState): KubeContainerState {
  return {
    ...(s.running ? { running: pick(s.running, ["startedAt"]) } : {}),
    ...(s.terminated
      ? { terminated: pick(s.terminated, ["exitCode", "reason", "startedAt", "finishedAt"]) }
      : {}),
    ...(s.waiting ? { waiting: pick(s.waiting, ["reason", "message"]) } : {}),
  };
}

function trimStatus(s: KubeContainerStatus): KubeContainerStatus {
  const state = s.state ? trimState(s.state) : undefined;
  return { ...pick(s, ["name", "image", "imageID", "containerID"]), ...(state ? { state } : {}) };
}

/** Set only the lists that are present. */
function lists<T, U, K extends string>(
  source: Partial<Record<K, readonly T[]>>,
  keys: readonly K[],
  trim: (item: T) => U,
): Partial<Record<K, U[]>> {
  const out: Partial<Record<K, U[]>> = {};
  for (const key of keys) {
    const list = source[key];
    if (list !== undefined) out[key] = list.map(trim);
  }
  return out;
}

/** `metadata` of a list; an empty `continue` (no further page) is dropped. */
export function trimListMeta(meta: KubeListMeta | undefined): KubeListMeta {
  return {
    ...(meta?.continue ? { continue: meta.continue } : {}),
    ...(meta?.resourceVersion !== undefined ? { resourceVersion: meta.resourceVersion } : {}),
  };
}

/** A Pod. */
export function trimPod(pod: KubePod): KubePod {
  const { spec, status } = pod;
  const imagePullSecrets = trimRefs(spec?.imagePullSecrets);
  return {
    metadata: trimMeta(pod.metadata),
    ...(spec
      ? {
          spec: {
            ...lists(spec, ["containers", "initContainers", "ephemeralContainers"], trimContainer),
            ...(imagePullSecrets ? { imagePullSecrets } : {}),
            ...pick(spec, ["serviceAccountName", "nodeName"]),
          },
        }
      : {}),
    ...(status
      ? {
          status: {
            ...pick(status, ["phase", "startTime"]),
            ...lists(
              status,
              ["containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"],
              trimStatus,
            ),
          },
        }
      : {}),
  };
}

/** A Namespace. */
export function trimNamespace(namespace: KubeNamespace): KubeNamespace {
  return { metadata: trimMeta(namespace.metadata) };
}

/** A ServiceAccount. */
export function trimServiceAccount(account: KubeServiceAccount): KubeServiceAccount {
  const imagePullSecrets = trimRefs(account.imagePullSecrets);
  return { metadata: trimMeta(account.metadata), ...(imagePullSecrets ? { imagePullSecrets } : {}) };
}

/** A Secret: `data` stays base64, as served. */
export function trimSecret(secret: KubeSecret): KubeSecret {
  return { metadata: trimMeta(secret.metadata), ...pick(secret, ["type", "data"]) };
}

/** A ReplicaSet or a Job: only its metadata (owners) is read. */
export function trimOwned<T extends KubeReplicaSet | KubeJob>(object: T): KubeReplicaSet & KubeJob {
  return { metadata: trimMeta(object.metadata) };
}
