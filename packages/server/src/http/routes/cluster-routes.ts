import { OPEN_FINDING_STATES } from "@vigil/core";
import { ApiError, type RouteDefinition } from "../route-definition.js";
import type { ApiRouteDeps } from "./api-route-deps.js";
import {
  clusterSchema,
  clusterWithCountsSchema,
  errorResponses,
  idParameter,
  workloadContainerSchema,
} from "./api-schemas.js";
import {
  badInput,
  notFound,
  onlyFields,
  onlyQueryParameters,
  queryList,
  readJsonObject,
  requiredString,
  resourceUrl,
} from "./request-input.js";

/** What a cluster id may be: it names the cluster in URLs, findings and policies. */
export const CLUSTER_ID = /^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$/;

/**
 * Clusters: list (with open findings per severity), one, register a kubeconfig context, and the
 * workload containers last seen in one.
 */
export function clusterRoutes(deps: ApiRouteDeps): RouteDefinition[] {
  const openFindings = (clusterId: string) =>
    deps.findings.counts({ reportType: "operational", clusterIds: [clusterId], states: OPEN_FINDING_STATES });
  const requireCluster = async (id: string) => {
    const cluster = await deps.clusters.get(id);
    if (!cluster) throw notFound("cluster", id);
    return cluster;
  };
  return [
    {
      method: "get",
      path: "/api/v1/clusters",
      access: "developer",
      summary: "Every cluster, by name, with its open findings per severity",
      tags: ["clusters"],
      responses: {
        200: {
          description: "The clusters",
          schema: {
            type: "object",
            properties: { items: { type: "array", items: clusterWithCountsSchema } },
          },
        },
      },
      handler: async (c) => {
        const clusters = await deps.clusters.list();
        const items = await Promise.all(
          clusters.map(async (cluster) => ({ ...cluster, openFindings: await openFindings(cluster.id) })),
        );
        return c.json({ items });
      },
    },
    {
      method: "get",
      path: "/api/v1/clusters/:id",
      access: "developer",
      summary: "One cluster, with its open findings per severity",
      tags: ["clusters"],
      parameters: [idParameter("The cluster id")],
      responses: {
        200: { description: "The cluster", schema: clusterWithCountsSchema },
        ...errorResponses({ 404: "No such cluster" }),
      },
      handler: async (c) => {
        const cluster = await requireCluster(c.req.param("id")!);
        return c.json({ ...cluster, openFindings: await openFindings(cluster.id) });
      },
    },
    {
      method: "post",
      path: "/api/v1/clusters",
      access: "maintainer",
      summary: "Register a cluster the server reaches through a kubeconfig context (or rename one)",
      tags: ["clusters"],
      requestBody: {
        description: "The cluster",
        contentType: "application/json",
        schema: {
          type: "object",
          required: ["id", "name", "context"],
          additionalProperties: false,
          properties: {
            id: {
              type: "string",
              pattern: CLUSTER_ID.source,
              description: "Lower-case letters, digits, `.`, `_`, `-`; at most 63",
            },
            name: { type: "string", description: "What people call it" },
            context: { type: "string", description: "The kubeconfig context the server connects with" },
          },
        },
      },
      responses: {
        201: { description: "Registered", schema: clusterSchema },
        200: { description: "Already registered: name and context updated", schema: clusterSchema },
        ...errorResponses({
          400: "A field is missing or malformed",
          409: "The id is taken by a cluster connected through an agent",
        }),
      },
      handler: async (c) => {
        const body = await readJsonObject(c);
        onlyFields(body, ["id", "name", "context"]);
        const id = requiredString(body, "id");
        if (!CLUSTER_ID.test(id)) {
          throw badInput(
            "id",
            "use 1 to 63 lower-case letters, digits, '.', '_' or '-', starting and ending with a letter or digit",
          );
        }
        const name = requiredString(body, "name").trim();
        const context = requiredString(body, "context").trim();
        const existing = await deps.clusters.get(id);
        if (existing?.connectionKind === "agent") {
          throw new ApiError(409, `the cluster ${id} is connected through an agent; choose another id`, {
            field: "id",
          });
        }
        const cluster = await deps.clusters.upsert({
          id,
          name,
          connectionKind: "kubeconfig",
          kubeconfigContext: context,
          createdAt: deps.now().toISOString(),
        });
        if (existing) return c.json(cluster, 200);
        c.header("Location", resourceUrl(c, `/api/v1/clusters/${encodeURIComponent(id)}`));
        return c.json(cluster, 201);
      },
    },
    {
      method: "get",
      path: "/api/v1/clusters/:id/workloads",
      access: "developer",
      summary: "The workload containers last seen in a cluster, the digest each runs and since when",
      tags: ["clusters"],
      parameters: [
        idParameter("The cluster id"),
        {
          name: "namespace",
          in: "query",
          description: "Only these namespaces (repeatable)",
          schema: { type: "array", items: { type: "string" } },
        },
        {
          name: "digest",
          in: "query",
          description: "Only containers running this digest",
          schema: { type: "string" },
        },
      ],
      responses: {
        200: {
          description: "By namespace, workload kind and name, container",
          schema: {
            type: "object",
            properties: { items: { type: "array", items: workloadContainerSchema } },
          },
        },
        ...errorResponses({ 404: "No such cluster" }),
      },
      handler: async (c) => {
        onlyQueryParameters(c, ["namespace", "digest"]);
        const cluster = await requireCluster(c.req.param("id")!);
        const namespaces = queryList(c, "namespace");
        const digest = c.req.query("digest") || undefined;
        const items = await deps.workloads.list(cluster.id, {
          ...(namespaces ? { namespaces } : {}),
          ...(digest ? { digest } : {}),
        });
        return c.json({ items });
      },
    },
  ];
}
