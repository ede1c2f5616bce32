import { createHash } from "node:crypto";
import type { KubeObject } from "./kube-object.js";

/** Options of {@link syntheticCluster}. */
export interface SyntheticClusterOptions {
  /** How many Pods to make. */
  readonly pods: number;
  /** Namespaces to spread them over (`team-000`, ...); default one per 1 000 pods, at least 1. */
  readonly namespaces?: number;
  /** Pods per Deployment (each Deployment has one ReplicaSet); default 5. */
  readonly podsPerDeployment?: number;
  /** Distinct images the containers use, so many pods share an image as in real clusters; default 50. */
  readonly images?: number;
  /** Registry host in image references; default `registry.example.com`. */
  readonly registry?: string;
  /** creationTimestamp of every object (deterministic output); default `2025-05-20T00:00:00Z`. */
  readonly createdAt?: string;
  /** Give every fourth pod an init container (terminated, exit 0) too; default true. */
  readonly initContainers?: boolean;
}

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

/** A stable UUID-shaped uid from a name, so generated clusters are identical run to run. */
function uidFor(text: string): string {
  const h = sha256(`uid:${text}`);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const pad = (n: number, width: number): string => String(n).padStart(width, "0");

/** Pod-name suffix characters, like the API server's generateName (no vowels, no confusables). */
const ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789";

function suffix(text: string, length: number): string {
  const h = createHash("sha256").update(text).digest();
  let out = "";
  for (let i = 0; i < length; i++) out += ALPHANUMS[(h[i] as number) % ALPHANUMS.length];
  return out;
}

interface Image {
  /** `registry/repo:tag` as in the pod spec. */
  readonly ref: string;
  /** The containerd form of `imageID`: `registry/repo@sha256:<digest>`. */
  readonly id: string;
}

function imageAt(registry: string, index: number): Image {
  const repo = `${registry}/vigil-synthetic/app-${pad(index, 3)}`;
  return { ref: `${repo}:1.${index}.0`, id: `${repo}@sha256:${sha256(`image ${index}`)}` };
}

function containerStatus(name: string, image: Image, podKey: string, createdAt: string, running: boolean) {
  return {
    name,
    image: image.ref,
    imageID: image.id,
    containerID: `containerd://${sha256(`container ${podKey}/${name}`)}`,
    ready: running,
    started: running,
    restartCount: 0,
    lastState: {},
    state: running
      ? { running: { startedAt: createdAt } }
      : { terminated: { exitCode: 0, reason: "Completed", startedAt: createdAt, finishedAt: createdAt } },
  };
}

/**
 * A deterministic synthetic cluster for large-cluster tests and benchmarks: Namespaces,
 * Deployments, their ReplicaSets (owned by the Deployment) and Pods (owned by the ReplicaSet),
 * each Pod running with one app container and a sidecar, containerd-style imageIDs
 * (`registry/repo@sha256:<digest>`) and containerIDs, and every fourth pod an init container.
 * Objects come in store order (namespaces, then per deployment: Deployment, ReplicaSet, Pods).
 */
export function syntheticCluster(options: SyntheticClusterOptions): KubeObject[] {
  const podCount = options.pods;
  const namespaceCount = options.namespaces ?? Math.max(1, Math.ceil(podCount / 1000));
  const perDeployment = options.podsPerDeployment ?? 5;
  const imageCount = options.images ?? 50;
  const registry = options.registry ?? "registry.example.com";
  const createdAt = options.createdAt ?? "2025-05-20T00:00:00Z";
  const withInit = options.initContainers ?? true;
  const sidecar = imageAt(registry, imageCount);
  const objects: KubeObject[] = [];
  const namespaces = Array.from({ length: namespaceCount }, (_, i) => `team-${pad(i, 3)}`);
  for (const name of namespaces) {
    objects.push({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: {
        name,
        uid: uidFor(`ns/${name}`),
        creationTimestamp: createdAt,
        labels: { "kubernetes.io/metadata.name": name },
      },
      spec: { finalizers: ["kubernetes"] },
      status: { phase: "Active" },
    });
  }
  const deployments = Math.ceil(podCount / perDeployment);
  let podIndex = 0;
  for (let d = 0; d < deployments; d++) {
    const namespace = namespaces[d % namespaceCount] as string;
    const app = `app-${pad(d, 5)}`;
    const image = imageAt(registry, d % imageCount);
    const hash = suffix(`rs ${namespace}/${app}`, 10);
    const rsName = `${app}-${hash}`;
    const replicas = Math.min(perDeployment, podCount - podIndex);
    const labels = { app };
    const podSpec = {
      serviceAccountName: "default",
      containers: [
        { name: "app", image: image.ref },
        { name: "proxy", image: sidecar.ref },
      ],
    };
    const deploymentUid = uidFor(`deploy/${namespace}/${app}`);
    const rsUid = uidFor(`rs/${namespace}/${rsName}`);
    objects.push({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: {
        name: app,
        namespace,
        uid: deploymentUid,
        creationTimestamp: createdAt,
        generation: 1,
        labels,
      },
      spec: {
        replicas,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: podSpec },
      },
      status: {
        replicas,
        readyReplicas: replicas,
        updatedReplicas: replicas,
        availableReplicas: replicas,
        observedGeneration: 1,
      },
    });
    const rsLabels = { ...labels, "pod-template-hash": hash };
    objects.push({
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        name: rsName,
        namespace,
        uid: rsUid,
        creationTimestamp: createdAt,
        labels: rsLabels,
        annotations: { "deployment.kubernetes.io/revision": "1" },
        ownerReferences: [
          {
            apiVersion: "apps/v1",
            kind: "Deployment",
            name: app,
            uid: deploymentUid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: {
        replicas,
        selector: { matchLabels: rsLabels },
        template: { metadata: { labels: rsLabels }, spec: podSpec },
      },
      status: {
        replicas,
        readyReplicas: replicas,
        availableReplicas: replicas,
        fullyLabeledReplicas: replicas,
      },
    });
    for (let r = 0; r < replicas; r++, podIndex++) {
      const name = `${rsName}-${suffix(`pod ${namespace}/${rsName}/${r}`, 5)}`;
      const key = `${namespace}/${name}`;
      const init = withInit && podIndex % 4 === 0;
      const spec: Record<string, unknown> = { ...podSpec, nodeName: `node-${pad(podIndex % 50, 2)}` };
      const status: Record<string, unknown> = {
        phase: "Running",
        podIP: `10.${Math.floor(podIndex / 65536) % 256}.${Math.floor(podIndex / 256) % 256}.${podIndex % 256}`,
        startTime: createdAt,
        conditions: [
          { type: "Initialized", status: "True" },
          { type: "Ready", status: "True" },
          { type: "ContainersReady", status: "True" },
          { type: "PodScheduled", status: "True" },
        ],
        containerStatuses: [
          containerStatus("app", image, key, createdAt, true),
          containerStatus("proxy", sidecar, key, createdAt, true),
        ],
      };
      if (init) {
        spec.initContainers = [{ name: "migrate", image: image.ref }];
        status.initContainerStatuses = [containerStatus("migrate", image, key, createdAt, false)];
      }
      objects.push({
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
          name,
          namespace,
          uid: uidFor(`pod/${key}`),
          creationTimestamp: createdAt,
          labels: rsLabels,
          ownerReferences: [
            {
              apiVersion: "apps/v1",
              kind: "ReplicaSet",
              name: rsName,
              uid: rsUid,
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
        spec,
        status,
      });
    }
  }
  return objects;
}
