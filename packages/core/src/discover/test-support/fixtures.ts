import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { KubePod } from "../kubernetes-objects.js";

/** Read a JSON file of `discover/testdata/` (see its PROVENANCE.md). */
export function readTestdata<T = unknown>(path: string): T {
  return JSON.parse(
    readFileSync(fileURLToPath(new URL(`../testdata/${path}`, import.meta.url)), "utf8"),
  ) as T;
}

/** The upstream pod objects, by what they show. */
export const POD_FILES = {
  deployment: "k8s-interface/instanceidhandler/v1/testdata/deployment.json",
  cronjobQuay: "k8s-interface/instanceidhandler/v1/testdata/cronjob.json",
  cronjobHello: "k8s-interface/instanceidhandler/v1/testdata/cronjob1.json",
  daemonset: "k8s-interface/instanceidhandler/v1/testdata/daemonset.json",
  statefulset: "k8s-interface/instanceidhandler/v1/testdata/statefulset.json",
  jobPod: "k8s-interface/instanceidhandler/v1/testdata/jobPod.json",
  cilium: "k9s/internal/xray/testdata/cilium.json",
  initPod: "k9s/internal/render/testdata/po_init.json",
  sidecarPod: "k9s/internal/render/testdata/po_sidecar.json",
} as const;

/** Every upstream pod, fresh copies. */
export function allPods(): KubePod[] {
  return Object.values(POD_FILES).map((file) => readTestdata<KubePod>(file));
}

/** A pod read from testdata. */
export function pod(name: keyof typeof POD_FILES): KubePod {
  return readTestdata<KubePod>(POD_FILES[name]);
}
