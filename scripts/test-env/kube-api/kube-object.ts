/** The `metadata` of a Kubernetes object; only the fields the test API server reads are typed. */
export interface KubeObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string | null;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: KubeOwnerReference[];
  [field: string]: unknown;
}

/** `metadata.ownerReferences[]` of a Kubernetes object. */
export interface KubeOwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** A Kubernetes object as JSON: `apiVersion`, `kind`, `metadata` and whatever else its kind holds. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: KubeObjectMeta;
  [field: string]: unknown;
}

/**
 * The store key of an object: `namespace/name` for namespaced kinds, `name` for cluster-scoped
 * ones. It is the object's etcd key without the `/registry/<resource>/` prefix, so sorting keys
 * gives the order a real API server lists in, and continue tokens can carry the same start key.
 */
export function objectKey(namespaced: boolean, namespace: string | undefined, name: string): string {
  return namespaced ? `${namespace ?? ""}/${name}` : name;
}
