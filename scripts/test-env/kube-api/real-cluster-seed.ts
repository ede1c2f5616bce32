import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { KubeObject } from "./kube-object.js";

const objectsDir = join(dirname(fileURLToPath(import.meta.url)), "testdata", "objects");

/**
 * The seed files, in the order they are stored (testdata/PROVENANCE.md says where each comes
 * from). Left out on purpose: k9s `render/po.json` and `xray/po.json` (the same `default/nginx`
 * Pod as `render/po_init.json`) and `xray/sts.json` (the same `default/nginx-sts` as
 * `render/sts.json`): a cluster holds one object per name.
 */
const SEED_FILES = [
  "k9s/xray/ns.json",
  // Pods with owners: ReplicaSet (Deployment), Job (CronJob), DaemonSet, StatefulSet, bare Job
  "k8s-interface/deployment.json",
  "k8s-interface/cronjob1.json",
  "k8s-interface/cronjob.json",
  "k8s-interface/daemonset.json",
  "k8s-interface/statefulset.json",
  "k8s-interface/jobPod.json",
  "k9s/xray/cilium.json",
  "k9s/render/p1.json",
  // Pods with init containers, restartable init (sidecar) containers
  "k9s/render/po_init.json",
  "k9s/render/po_sidecar.json",
  "k9s/xray/init.json",
  // workloads
  "k9s/render/dp.json",
  "k9s/xray/dp.json",
  "k9s/render/rs.json",
  "k9s/xray/rs.json",
  "k9s/render/sts.json",
  "k9s/render/ds.json",
  "k9s/xray/ds.json",
  "k9s/render/job.json",
  "k9s/render/cj.json",
  // service accounts and secrets (image pull secrets)
  "k9s/render/sa.json",
  "k9s/xray/sa.json",
  "trivy-operator/sa_with_image_pull_secret_same_domain.json",
  "k9s/render/sec.json",
  "trivy-operator/secret_same_domain.json",
  "trivy-operator/sa_secret_same_domain.json",
  // Trivy Operator reports
  "trivy-operator/vulnerability-report.md-0-VulnerabilityReport.json",
  "trivy-operator/vulnerability-ttl.json",
  "trivy-operator/clustervulnerability-report.md-0-ClusterVulnerabilityReport.json",
] as const;

function readObject(file: string): KubeObject {
  return JSON.parse(readFileSync(join(objectsDir, file), "utf8")) as KubeObject;
}

/**
 * A Secret of type `kubernetes.io/dockerconfigjson` whose `.dockerconfigjson` is Kubernetes'
 * hack/testdata/dockerconfig.json (two registries with username/password): written for Vigil
 * around the real file, since no upstream fixture holds that file as a Secret.
 */
function hackDockerconfigSecret(): KubeObject {
  const config = readFileSync(join(objectsDir, "kubernetes", "dockerconfig.json"));
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "hack-dockerconfig", namespace: "default" },
    type: "kubernetes.io/dockerconfigjson",
    data: { ".dockerconfigjson": config.toString("base64") },
  };
}

/**
 * Real objects from public test fixtures (kubectl dumps in k9s, kubescape k8s-interface and Trivy
 * Operator tests, Trivy Operator documentation examples), fresh copies on each call: 11 Pods
 * with containerd/docker imageIDs, owners, init, sidecar and ephemeral containers; Deployments,
 * ReplicaSets, a StatefulSet, DaemonSets, a Job, a CronJob; ServiceAccounts with
 * imagePullSecrets; dockerconfigjson Secrets; VulnerabilityReports and a
 * ClusterVulnerabilityReport. Namespaces other than `default` are made when their first object is
 * added. The server stores each under the version it serves (the k9s CronJob is
 * `batch/v1beta1`, one k9s ReplicaSet claims `networking.k8s.io/v1`).
 */
export function realClusterObjects(): KubeObject[] {
  const objects = SEED_FILES.map(readObject);
  for (const object of objects) {
    // Trivy Operator's secret fixtures share one uid; uids are unique in a cluster, so this
    // one gets a fresh uid from the server
    if (object.kind === "Secret" && object.metadata.name === "myregistrykey") delete object.metadata.uid;
  }
  objects.push(hackDockerconfigSecret());
  return objects;
}
