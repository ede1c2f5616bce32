import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ApiResourceList, ResourceCatalog } from "./resource-catalog.js";

const testdata = join(dirname(fileURLToPath(import.meta.url)), "testdata");

/** `/version` of the test API server. */
export interface KubeVersionInfo {
  readonly major: string;
  readonly minor: string;
  readonly gitVersion: string;
  readonly gitCommit: string;
  readonly gitTreeState: string;
  readonly buildDate: string;
  readonly goVersion: string;
  readonly compiler: string;
  readonly platform: string;
}

/**
 * `/version` shaped like a v1.32 API server's (the kubectl installed for the tests is 1.32, so no
 * version-skew warning). The build fields are placeholders.
 */
export const KUBE_VERSION: KubeVersionInfo = {
  major: "1",
  minor: "32",
  gitVersion: "v1.32.0",
  gitCommit: "0000000000000000000000000000000000000000",
  gitTreeState: "clean",
  buildDate: "2025-05-20T00:00:00Z",
  goVersion: "go1.23.4",
  compiler: "gc",
  platform: "linux/amd64",
};

/**
 * `/api` (`APIVersions`): the real document from testdata/discovery/api.json with this server's
 * address in `serverAddressByClientCIDRs`, as a real server reports its own.
 */
export function coreApiVersions(serverAddress: string): unknown {
  const doc = JSON.parse(readFileSync(join(testdata, "discovery", "api.json"), "utf8")) as {
    serverAddressByClientCIDRs: { clientCIDR: string; serverAddress: string }[];
  };
  return {
    ...doc,
    serverAddressByClientCIDRs: doc.serverAddressByClientCIDRs.map((entry) => ({ ...entry, serverAddress })),
  };
}

function groupDocument(group: string, versions: readonly string[]) {
  const list = versions.map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { name: group, versions: list, preferredVersion: list[0] };
}

function namedGroups(catalog: ResourceCatalog): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const gv of catalog.groupVersions) {
    if (gv.group === "") continue;
    groups.set(gv.group, [...(groups.get(gv.group) ?? []), gv.version]);
  }
  return groups;
}

/** `/apis` (`APIGroupList`) in the legacy, unaggregated form. */
export function apiGroupList(catalog: ResourceCatalog): unknown {
  const groups = [...namedGroups(catalog)].map(([group, versions]) => groupDocument(group, versions));
  return { kind: "APIGroupList", apiVersion: "v1", groups };
}

/** `/apis/<group>` (`APIGroup`), or undefined for a group this server does not have. */
export function apiGroup(catalog: ResourceCatalog, group: string): unknown {
  const versions = namedGroups(catalog).get(group);
  return versions ? { kind: "APIGroup", apiVersion: "v1", ...groupDocument(group, versions) } : undefined;
}

/** `/api/v1` or `/apis/<group>/<version>` (`APIResourceList`), or undefined if unknown. */
export function apiResourceList(
  catalog: ResourceCatalog,
  group: string,
  version: string,
): ApiResourceList | undefined {
  return catalog.groupVersions.find((gv) => gv.group === group && gv.version === version)?.list;
}

/**
 * Aggregated discovery (KEP-3352), what kubectl and client-go ask `/api` and `/apis` for first:
 * an `APIGroupDiscoveryList` with every resource of every version in one document. Built from
 * the same discovery documents as the legacy form, so both always agree.
 */
export function aggregatedDiscovery(
  catalog: ResourceCatalog,
  core: boolean,
  version: "v2" | "v2beta1",
): unknown {
  const byGroup = new Map<string, typeof catalog.groupVersions>();
  for (const gv of catalog.groupVersions) {
    if ((gv.group === "") !== core) continue;
    byGroup.set(gv.group, [...(byGroup.get(gv.group) ?? []), gv]);
  }
  const items = [...byGroup].map(([group, versions]) => ({
    metadata: group === "" ? { creationTimestamp: null } : { name: group, creationTimestamp: null },
    versions: versions.map((gv) => ({
      version: gv.version,
      resources: catalog.types
        .filter((t) => t.group === gv.group && t.version === gv.version)
        .map((t) => ({
          resource: t.plural,
          responseKind: { group: t.group, version: t.version, kind: t.kind },
          scope: t.namespaced ? "Namespaced" : "Cluster",
          singularResource: t.singular,
          verbs: t.verbs,
          ...(t.shortNames.length > 0 ? { shortNames: t.shortNames } : {}),
          ...(t.categories.length > 0 ? { categories: t.categories } : {}),
          ...(t.subresources.length > 0
            ? {
                subresources: t.subresources.map((sub) => ({
                  subresource: sub.name.slice(sub.name.indexOf("/") + 1),
                  responseKind: {
                    group: sub.group ?? t.group,
                    version: sub.version ?? t.version,
                    kind: sub.kind,
                  },
                  verbs: sub.verbs,
                })),
              }
            : {}),
        })),
      freshness: "Current",
    })),
  }));
  return { kind: "APIGroupDiscoveryList", apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
}
