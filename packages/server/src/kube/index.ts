/**
 * Kubernetes access for discovery: kubeconfig loading and context selection, and core's
 * `KubernetesReader` implemented with `@kubernetes/client-node`.
 */
export * from "./custom-object-reader.js";
export * from "./kube-config.js";
export * from "./kubernetes-client-reader.js";
export * from "./open-kubernetes-reader.js";
