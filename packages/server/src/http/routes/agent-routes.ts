import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { createAgentToken, hashAgentToken } from "../../agents/agent-token.js";
import type { VigilDatabase } from "../../db/create-database.js";
import type { AgentScanIntake } from "../../scans/agent-scan-intake.js";
import { AGENT_MODES, type AgentRepository, createAgentRepository } from "../../store/agent-repository.js";
import { type ClusterRepository, createClusterRepository } from "../../store/cluster-repository.js";
import { createScanRepository, type ScanRepository } from "../../store/scan-repository.js";
import { ApiError, type JsonSchema, type RouteDefinition } from "../route-definition.js";
import { agentIntakeRoutes } from "./agent-intake-routes.js";
import { withStoreErrorsAsApiErrors } from "./api-routes.js";
import { errorResponses, idParameter } from "./api-schemas.js";
import { CLUSTER_ID } from "./cluster-routes.js";
import {
  badInput,
  notFound,
  oneOf,
  onlyFields,
  optionalString,
  optionalStringList,
  readJsonObject,
  requiredString,
} from "./request-input.js";

/** What the agent routes read, write and call. */
export interface AgentRouteDeps {
  readonly clusters: ClusterRepository;
  readonly agents: AgentRepository;
  readonly scans: ScanRepository;
  /** Takes in agents' results; absent when the server runs no scans (503). */
  readonly intake?: AgentScanIntake;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly newId: () => string;
}

/** Options of {@link agentRoutes}. */
export interface AgentRoutesOptions {
  readonly database: VigilDatabase;
  /** `startServer`'s `services.agentScans`. */
  readonly intake?: AgentScanIntake;
  /** `startServer`'s `services.logger`: where refused deliveries are logged. */
  readonly logger: Logger;
  readonly now?: () => Date;
  readonly newId?: () => string;
}

/**
 * The agent routes over an open database, for `startServer`'s `routes` option: registering,
 * listing and revoking agents (maintainers), and what agents call with their own token.
 */
export function agentRoutes(options: AgentRoutesOptions): RouteDefinition[] {
  const db = options.database.db;
  const deps: AgentRouteDeps = {
    clusters: createClusterRepository(db),
    agents: createAgentRepository(db),
    scans: createScanRepository(db),
    ...(options.intake ? { intake: options.intake } : {}),
    logger: options.logger,
    now: options.now ?? (() => new Date()),
    newId: options.newId ?? randomUUID,
  };
  return withStoreErrorsAsApiErrors([...agentAdminRoutes(deps), ...agentIntakeRoutes(deps)]);
}

/** An agent as the API shows it (never its token or its hash). */
export const agentSchema: JsonSchema = {
  type: "object",
  required: ["id", "clusterId", "name", "mode", "namespaces", "createdAt"],
  properties: {
    id: { type: "string" },
    clusterId: { type: "string" },
    name: { type: "string" },
    mode: { type: "string", enum: [...AGENT_MODES] },
    namespaces: { type: "array", items: { type: "string" } },
    createdAt: { type: "string", format: "date-time" },
    revokedAt: { type: "string", format: "date-time" },
    lastSeenAt: { type: "string", format: "date-time" },
  },
};

/** Registering, listing and revoking in-cluster agents. */
function agentAdminRoutes(deps: AgentRouteDeps): RouteDefinition[] {
  return [
    {
      method: "post",
      path: "/api/v1/clusters/:id/agents",
      access: "maintainer",
      summary:
        "Register an in-cluster agent for a cluster (registering the cluster, connected through agents, when it is new); the token is in this answer only",
      tags: ["agents"],
      parameters: [idParameter("The cluster id")],
      requestBody: {
        description: "The agent",
        contentType: "application/json",
        schema: {
          type: "object",
          required: ["name"],
          additionalProperties: false,
          properties: {
            name: { type: "string", description: "What people call the agent" },
            mode: {
              type: "string",
              enum: [...AGENT_MODES],
              description:
                "`scan` (default): the agent pulls and reads images in the cluster; `discover`: it sends the running containers and the server scans",
            },
            namespaces: {
              type: "array",
              items: { type: "string" },
              description: "Namespaces the agent covers when a scan names none (default every namespace)",
            },
            clusterName: { type: "string", description: "The cluster's name when it is registered now" },
          },
        },
      },
      responses: {
        201: {
          description: "Registered; `token` is shown this once (only its hash is stored)",
          schema: {
            type: "object",
            required: ["agent", "token"],
            properties: { agent: agentSchema, token: { type: "string" } },
          },
        },
        ...errorResponses({
          400: "A field is missing or malformed",
          409: "The cluster is reached through a kubeconfig context",
        }),
      },
      handler: async (c) => {
        const clusterId = c.req.param("id")!;
        if (!CLUSTER_ID.test(clusterId)) {
          throw badInput(
            "id",
            "use 1 to 63 lower-case letters, digits, '.', '_' or '-', starting and ending with a letter or digit",
          );
        }
        const body = await readJsonObject(c);
        onlyFields(body, ["name", "mode", "namespaces", "clusterName"]);
        const name = requiredString(body, "name").trim();
        const mode = body.mode === undefined ? "scan" : oneOf(body.mode, AGENT_MODES, "mode");
        const namespaces = optionalStringList(body, "namespaces") ?? [];
        const clusterName = optionalString(body, "clusterName")?.trim() || clusterId;
        const now = deps.now().toISOString();
        const existing = await deps.clusters.get(clusterId);
        if (existing && existing.connectionKind !== "agent") {
          throw new ApiError(
            409,
            `the cluster ${clusterId} is reached through a kubeconfig context; an agent reports for a cluster registered for agents`,
            { field: "id" },
          );
        }
        if (!existing) {
          await deps.clusters.upsert({
            id: clusterId,
            name: clusterName,
            connectionKind: "agent",
            createdAt: now,
          });
        }
        const token = createAgentToken();
        const agent = await deps.agents.create({
          id: deps.newId(),
          clusterId,
          name,
          mode,
          namespaces,
          createdAt: now,
          tokenHash: hashAgentToken(token),
        });
        deps.logger.info({ agentId: agent.id, clusterId, mode }, "agent registered");
        c.header("Cache-Control", "no-store");
        return c.json({ agent, token }, 201);
      },
    },
    {
      method: "get",
      path: "/api/v1/clusters/:id/agents",
      access: "maintainer",
      summary: "A cluster's agents, revoked ones included (never their tokens)",
      tags: ["agents"],
      parameters: [idParameter("The cluster id")],
      responses: {
        200: {
          description: "The agents, oldest first",
          schema: { type: "object", properties: { items: { type: "array", items: agentSchema } } },
        },
        ...errorResponses({ 404: "No such cluster" }),
      },
      handler: async (c) => {
        const clusterId = c.req.param("id")!;
        if (!(await deps.clusters.get(clusterId))) throw notFound("cluster", clusterId);
        return c.json({ items: await deps.agents.listByCluster(clusterId) });
      },
    },
    {
      method: "delete",
      path: "/api/v1/agents/:id",
      access: "maintainer",
      summary: "Revoke an agent's token: its next request is refused (401)",
      tags: ["agents"],
      parameters: [idParameter("The agent id")],
      responses: {
        200: { description: "Revoked (or revoked already)", schema: agentSchema },
        ...errorResponses({ 404: "No such agent" }),
      },
      handler: async (c) => {
        const id = c.req.param("id")!;
        const revoked = await deps.agents.revoke(id, deps.now().toISOString());
        const agent = await deps.agents.get(id);
        if (!agent) throw notFound("agent", id);
        if (revoked) deps.logger.info({ agentId: id, clusterId: agent.clusterId }, "agent token revoked");
        return c.json(agent, 200);
      },
    },
  ];
}
