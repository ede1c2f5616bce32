// The soak's simulated cluster: the synthetic cluster of the test Kubernetes API server with
// its images pointed at real variants in the bench registry, and a churn that rolls a few
// Deployments to another variant while it runs, so findings open and resolve between scans.
import { join } from "node:path";
import { useVariants } from "../bench/image-variants.mjs";

/**
 * Starts the test API server with `pods` pods over `variants` and returns it with its
 * namespaces and `churn(count, random)`. `kubeApi` is the compiled test API server
 * (`compiledKubeApi()`).
 */
export async function startSoakCluster({ kubeApi, pods, variants, registryHost }) {
  const { startKubeApiServer } = await import(join(kubeApi, "kube-api/kube-api-server.js"));
  const { syntheticCluster } = await import(join(kubeApi, "kube-api/synthetic-cluster.js"));
  const objects = syntheticCluster({ pods, images: variants.length, registry: registryHost });
  useVariants(objects, variants);
  const api = await startKubeApiServer({ objects });
  const namespaces = objects.filter((o) => o.kind === "Namespace").map((o) => o.metadata.name);
  const deployments = deploymentsOf(objects, variants);
  let rollouts = 0;

  return {
    api,
    namespaces,
    /**
     * Rolls `count` Deployments picked with `random` to the next variant (the next base image,
     * as variants cycle through the bases): every pod deleted and replaced by a new one, as a
     * rollout does. The API server's store changes while it serves; a list in progress keeps
     * its snapshot (continue tokens). Returns the pods replaced.
     */
    churn(count, random) {
      let replaced = 0;
      for (let i = 0; i < count; i++) {
        const deployment = deployments[Math.floor(random() * deployments.length)];
        deployment.variant = (deployment.variant + 1) % variants.length;
        rollouts++;
        const variant = variants[deployment.variant];
        deployment.pods = deployment.pods.map((name, r) => {
          const old = api.get("Pod", deployment.namespace, name);
          api.remove("Pod", deployment.namespace, name);
          const pod = replacementPod(old, `${deployment.replicaSet}-r${rollouts}x${r}`, variant);
          api.add(pod);
          replaced++;
          return pod.metadata.name;
        });
      }
      return replaced;
    },
  };
}

/** Each Deployment's pods (by their `app` label), its ReplicaSet's name and its current variant. */
function deploymentsOf(objects, variants) {
  const byKey = new Map();
  for (const object of objects) {
    if (object.kind !== "Pod") continue;
    const key = `${object.metadata.namespace}/${object.metadata.labels.app}`;
    let deployment = byKey.get(key);
    if (!deployment) {
      const { imageID } = object.status.containerStatuses.find((c) => c.name === "app");
      const variant = variants.findIndex((v) => `${v.repository}@${v.digest}` === imageID);
      if (variant < 0) throw new Error(`pod ${object.metadata.name} runs no variant: ${imageID}`);
      deployment = {
        namespace: object.metadata.namespace,
        replicaSet: object.metadata.ownerReferences[0].name,
        variant,
        pods: [],
      };
      byKey.set(key, deployment);
    }
    deployment.pods.push(object.metadata.name);
  }
  return [...byKey.values()];
}

/** A new pod in place of `old` (same owner, spec and node), named `name`, its app running `variant`. */
function replacementPod(old, name, variant) {
  const { resourceVersion: _rv, uid: _uid, creationTimestamp: _created, ...metadata } = old.metadata;
  const pod = structuredClone({ ...old, metadata: { ...metadata, name } });
  const image = `${variant.repository}:${variant.tag}`;
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  // the app container and the init container that runs the same image; the proxy sidecar stays
  for (const c of [...pod.spec.containers, ...(pod.spec.initContainers ?? [])]) {
    if (c.name !== "proxy") c.image = image;
  }
  pod.status.startTime = now;
  for (const s of [...pod.status.containerStatuses, ...(pod.status.initContainerStatuses ?? [])]) {
    s.containerID = `containerd://${name}-${s.name}`;
    if (s.name === "proxy") continue;
    s.image = image;
    s.imageID = `${variant.repository}@${variant.digest}`;
  }
  return pod;
}
