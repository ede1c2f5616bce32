import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const testdata = join(dirname(fileURLToPath(import.meta.url)), "testdata");

/** One entry of an `APIResourceList` (`/api/v1`, `/apis/<group>/<version>`), as the API server sends it. */
export interface ApiResourceEntry {
  name: string;
  singularName: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
  group?: string;
  version?: string;
  shortNames?: string[];
  categories?: string[];
  storageVersionHash?: string;
}

/** An `APIResourceList` discovery document. */
export interface ApiResourceList {
  kind: "APIResourceList";
  apiVersion?: string;
  groupVersion: string;
  resources: ApiResourceEntry[];
}

/** An `additionalPrinterColumns` entry of a CustomResourceDefinition version. */
export interface PrinterColumn {
  readonly name: string;
  readonly type: string;
  readonly jsonPath: string;
  readonly description?: string;
  readonly priority?: number;
  readonly format?: string;
}

/** A resource the test API server serves: one top-level entry of a discovery document. */
export interface ResourceType {
  /** API group, `""` for the core group. */
  readonly group: string;
  readonly version: string;
  /** `v1` or `<group>/<version>`: what the objects' `apiVersion` says. */
  readonly apiVersion: string;
  /** The plural resource name used in URLs, e.g. `pods`. */
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  readonly listKind: string;
  readonly namespaced: boolean;
  readonly verbs: readonly string[];
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  /** Subresources (`pods/status`, `deployments/scale`) as their discovery entries. */
  readonly subresources: readonly ApiResourceEntry[];
  /**
   * Built-in (compiled-in) kinds: their list items carry no `apiVersion`/`kind`, like a real API
   * server's typed lists; custom resources are unstructured and keep both.
   */
  readonly builtin: boolean;
  /** `additionalPrinterColumns` of a custom resource; built-in kinds use table-printer.ts. */
  readonly printerColumns?: readonly PrinterColumn[];
  /** Field labels a `fieldSelector` may use on this resource. */
  readonly fieldLabels: readonly string[];
  /** The `group.resource` a Status message names: `pods`, `deployments.apps`. */
  readonly qualifiedName: string;
}

/** A discovery group/version with its `APIResourceList`. */
export interface GroupVersionResources {
  readonly group: string;
  readonly version: string;
  readonly list: ApiResourceList;
}

/** Every resource the test API server knows, with lookups by URL path and by kind. */
export interface ResourceCatalog {
  readonly types: readonly ResourceType[];
  /** The discovery documents, core group first, in the order `/apis` lists groups. */
  readonly groupVersions: readonly GroupVersionResources[];
  /** The resource at `/api/v1/<plural>` (group `""`) or `/apis/<group>/<version>/<plural>`. */
  byPath(group: string, version: string, plural: string): ResourceType | undefined;
  /**
   * The resource for a kind (`Pod`), plural (`pods`), `plural.group` (`deployments.apps`) or a
   * short name (`deploy`); with `apiVersion`, the kind is looked up in that group first and then
   * in any group (the test server stores objects under the one version it serves).
   */
  resolve(kindOrResource: string, apiVersion?: string): ResourceType | undefined;
}

// Field labels the real API server accepts beyond metadata.name and metadata.namespace (from the
// AddFieldLabelConversionFunc registrations in pkg/apis/*/v1/conversion.go); a subset.
const EXTRA_FIELD_LABELS: Readonly<Record<string, readonly string[]>> = {
  "/pods": [
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.schedulerName",
    "spec.serviceAccountName",
    "spec.hostNetwork",
    "status.phase",
    "status.podIP",
    "status.nominatedNodeName",
  ],
  "/secrets": ["type"],
  "/namespaces": ["status.phase"],
  "/nodes": ["spec.unschedulable"],
  "/events": ["involvedObject.kind", "involvedObject.name", "involvedObject.namespace", "reason", "type"],
  "apps/replicasets": ["status.replicas"],
  "batch/jobs": ["status.successful"],
};

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(join(testdata, path), "utf8")) as T;
}

/**
 * The discovery document served for a stored one. The transcribed apps/v1 document lists no
 * `watch` verb (see testdata/PROVENANCE.md) although every apps/v1 resource is watchable on a real
 * server, so `watch` is added wherever `list` is.
 */
function withWatch(list: ApiResourceList): ApiResourceList {
  return {
    ...list,
    resources: list.resources.map((entry) =>
      entry.verbs.includes("list") && !entry.verbs.includes("watch")
        ? { ...entry, verbs: [...entry.verbs, "watch"] }
        : entry,
    ),
  };
}

interface CrdVersion {
  name: string;
  served: boolean;
  additionalPrinterColumns?: PrinterColumn[];
}

interface Crd {
  spec: {
    group: string;
    scope: "Namespaced" | "Cluster";
    names: { kind: string; listKind?: string; plural: string; singular: string; shortNames?: string[] };
    versions: CrdVersion[];
  };
}

/** `storageVersionHash` as apiserver's discovery.StorageVersionHash computes it. */
function storageVersionHash(group: string, version: string, kind: string): string {
  return createHash("sha256")
    .update(`${group}/${version}/${kind}`)
    .digest()
    .subarray(0, 8)
    .toString("base64");
}

/** The `APIResourceList` the apiextensions server publishes for custom resource definitions. */
function crdResourceList(crds: readonly Crd[]): GroupVersionResources[] {
  const byGroupVersion = new Map<string, GroupVersionResources>();
  for (const crd of crds) {
    const { group, names, scope } = crd.spec;
    for (const version of crd.spec.versions.filter((v) => v.served)) {
      const key = `${group}/${version.name}`;
      let entry = byGroupVersion.get(key);
      if (!entry) {
        entry = {
          group,
          version: version.name,
          list: { kind: "APIResourceList", apiVersion: "v1", groupVersion: key, resources: [] },
        };
        byGroupVersion.set(key, entry);
      }
      entry.list.resources.push({
        name: names.plural,
        singularName: names.singular,
        namespaced: scope === "Namespaced",
        kind: names.kind,
        // the verb order apiextensions-apiserver uses
        verbs: ["delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"],
        ...(names.shortNames ? { shortNames: names.shortNames } : {}),
        storageVersionHash: storageVersionHash(group, version.name, names.kind),
      });
    }
  }
  return [...byGroupVersion.values()];
}

function printerColumnsOf(crds: readonly Crd[]): Map<string, PrinterColumn[]> {
  const columns = new Map<string, PrinterColumn[]>();
  for (const crd of crds) {
    for (const version of crd.spec.versions) {
      const key = `${crd.spec.group}/${version.name}/${crd.spec.names.plural}`;
      columns.set(key, version.additionalPrinterColumns ?? []);
    }
  }
  return columns;
}

/** Builds a catalog from discovery documents and CRDs. */
export function createResourceCatalog(
  builtin: readonly GroupVersionResources[],
  crds: readonly Crd[],
): ResourceCatalog {
  const custom = crdResourceList(crds);
  const columns = printerColumnsOf(crds);
  const groupVersions = [...builtin, ...custom];
  const types: ResourceType[] = [];
  for (const gv of groupVersions) {
    const isBuiltin = builtin.includes(gv);
    const apiVersion = gv.group === "" ? gv.version : `${gv.group}/${gv.version}`;
    for (const entry of gv.list.resources) {
      if (entry.name.includes("/")) continue;
      const extra = EXTRA_FIELD_LABELS[`${gv.group}/${entry.name}`] ?? [];
      types.push({
        group: gv.group,
        version: gv.version,
        apiVersion,
        plural: entry.name,
        singular: entry.singularName || entry.kind.toLowerCase(),
        kind: entry.kind,
        listKind: `${entry.kind}List`,
        namespaced: entry.namespaced,
        verbs: entry.verbs,
        shortNames: entry.shortNames ?? [],
        categories: entry.categories ?? [],
        subresources: gv.list.resources.filter((sub) => sub.name.startsWith(`${entry.name}/`)),
        builtin: isBuiltin,
        printerColumns: isBuiltin ? undefined : columns.get(`${gv.group}/${gv.version}/${entry.name}`),
        fieldLabels: ["metadata.name", "metadata.namespace", ...extra],
        qualifiedName: gv.group === "" ? entry.name : `${entry.name}.${gv.group}`,
      });
    }
  }
  const byPath = new Map(types.map((t) => [`${t.group}/${t.version}/${t.plural}`, t]));
  return {
    types,
    groupVersions,
    byPath: (group, version, plural) => byPath.get(`${group}/${version}/${plural}`),
    resolve(name, apiVersion) {
      const group = apiVersion?.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "";
      const matches = (t: ResourceType) =>
        t.kind === name ||
        t.plural === name ||
        t.qualifiedName === name ||
        t.singular === name ||
        t.shortNames.includes(name);
      return (
        (apiVersion === undefined ? undefined : types.find((t) => t.group === group && matches(t))) ??
        types.find(matches)
      );
    },
  };
}

let defaultCatalog: ResourceCatalog | undefined;

/**
 * The catalog of a Kubernetes 1.32-like server: core/v1, apps/v1 and batch/v1 from the real
 * discovery documents in testdata/discovery/, and the Trivy Operator CRDs from testdata/crds/.
 * Every listed resource is served (empty unless seeded), not only the ones Vigil reads.
 */
export function defaultResourceCatalog(): ResourceCatalog {
  defaultCatalog ??= createResourceCatalog(
    [
      { group: "", version: "v1", list: readJson<ApiResourceList>("discovery/api__v1.json") },
      {
        group: "apps",
        version: "v1",
        list: withWatch(readJson<ApiResourceList>("discovery/apis__apps__v1.json")),
      },
      { group: "batch", version: "v1", list: readJson<ApiResourceList>("discovery/apis__batch__v1.json") },
    ],
    [
      readJson<Crd>("crds/aquasecurity.github.io_vulnerabilityreports.json"),
      readJson<Crd>("crds/aquasecurity.github.io_clustervulnerabilityreports.json"),
    ],
  );
  return defaultCatalog;
}
