import type { Context } from "hono";
import {
  claimedClusterId,
  credentialsLookup,
  parseAgentDiscovery,
  parseAgentScanResult,
} from "../../agents/agent-result-input.js";
import { agentScanScope, claimAgentScan } from "../../agents/claim-agent-scan.js";
import type { AgentScanIntake } from "../../scans/agent-scan-intake.js";
import type { AgentRecord } from "../../store/agent-repository.js";
import type { ScanRecord } from "../../store/scan-repository.js";
import { type AgentPrincipal, principalOf } from "../principal.js";
import { ApiError, type JsonSchema, type RouteDefinition } from "../route-definition.js";
import type { AgentRouteDeps } from "./agent-routes.js";
import { errorResponses, idParameter, scanSchema } from "./api-schemas.js";
import { notFound, readJsonObject } from "./request-input.js";

const intakeOutcomeSchema: JsonSchema = {
  type: "object",
  required: ["stored", "scan"],
  properties: {
    stored: {
      type: "boolean",
      description: "False when the scan had finished already (a result sent again): nothing was stored twice",
    },
    scan: scanSchema,
  },
};

/** The refusals of a claimed scan's delivery (`what`: a result or a discovery). */
function deliveryErrorResponses(what: string) {
  return errorResponses({
    400: "A field is missing or malformed",
    401: "The token is unknown or revoked",
    403: `The scan or the ${what} is of another cluster`,
    404: "No such scan",
    503: "The server runs no scans",
  });
}

/**
 * What an in-cluster agent calls with its own token (access `agent`): its configuration, the
 * next scan queued for its cluster, and the results of a scan it claimed. An agent acts for its
 * own cluster only: a scan or a body of another cluster is refused with 403 and logged as a
 * warning naming the agent and both clusters.
 */
export function agentIntakeRoutes(deps: AgentRouteDeps): RouteDefinition[] {
  const agentOf = async (c: Context): Promise<{ principal: AgentPrincipal; agent: AgentRecord }> => {
    const principal = principalOf(c) as AgentPrincipal;
    const agent = await deps.agents.get(principal.agentId);
    // revoked between authentication and here, or deleted with its cluster
    if (!agent || agent.revokedAt) throw new ApiError(401, "the bearer token is unknown or revoked");
    return { principal, agent };
  };
  const refuseOtherCluster = (principal: AgentPrincipal, other: string, what: string): never => {
    deps.logger.warn(
      { agentId: principal.agentId, agentCluster: principal.clusterId, requestedCluster: other, what },
      "an agent sent for another cluster than its own; refused",
    );
    throw new ApiError(403, `this agent reports for the cluster ${principal.clusterId}, not ${other}`, {
      agentCluster: principal.clusterId,
      requestedCluster: other,
    });
  };
  const claimedScan = async (principal: AgentPrincipal, scanId: string): Promise<ScanRecord> => {
    const scan = await deps.scans.get(scanId);
    if (!scan) throw notFound("scan", scanId);
    if (scan.clusterId !== principal.clusterId)
      refuseOtherCluster(principal, scan.clusterId, `scan ${scanId}`);
    const { images: _, ...record } = scan;
    return record;
  };
  const intake = (): AgentScanIntake => {
    if (!deps.intake) throw new ApiError(503, "this server does not run scans: start it with scans enabled");
    return deps.intake;
  };
  /** The body, refused with 403 before anything else is read when it names another cluster. */
  const bodyFor = async (c: Context, principal: AgentPrincipal, scanId: string) => {
    const body = await readJsonObject(c);
    const named = claimedClusterId(body);
    if (named !== undefined && named !== principal.clusterId) {
      refuseOtherCluster(principal, named, `results of scan ${scanId}`);
    }
    return body;
  };
  /**
   * What a result or a discovery delivery starts with: the agent, the scan it claimed (scoped to
   * the agent's namespaces) and the body, checked in that order, so that a scan or a body of
   * another cluster is refused before the body is parsed.
   */
  const claimedDelivery = async (c: Context) => {
    const { principal, agent } = await agentOf(c);
    const scanId = c.req.param("id")!;
    const scan = await claimedScan(principal, scanId);
    const body = await bodyFor(c, principal, scanId);
    return {
      agent,
      clusterId: principal.clusterId,
      body,
      scan: { ...scan, scope: agentScanScope(scan, agent.namespaces) },
    };
  };

  return [
    {
      method: "get",
      path: "/api/v1/agent/config",
      access: "agent",
      summary: "The calling agent's configuration: its cluster, mode and namespaces",
      tags: ["agents"],
      responses: {
        200: {
          description: "The configuration",
          schema: {
            type: "object",
            required: ["agentId", "clusterId", "mode", "namespaces"],
            properties: {
              agentId: { type: "string" },
              clusterId: { type: "string" },
              mode: { type: "string", enum: ["scan", "discover"] },
              namespaces: { type: "array", items: { type: "string" } },
            },
          },
        },
        ...errorResponses({ 401: "The token is unknown or revoked" }),
      },
      handler: async (c) => {
        const { agent } = await agentOf(c);
        return c.json({
          agentId: agent.id,
          clusterId: agent.clusterId,
          mode: agent.mode,
          namespaces: agent.namespaces,
        });
      },
    },
    {
      method: "post",
      path: "/api/v1/agent/scans/claim",
      access: "agent",
      summary:
        "Claim the next scan queued for the agent's cluster (or the one it claimed before and lost); 204 when there is none",
      tags: ["agents"],
      responses: {
        200: {
          description: "The scan to run now, with the namespaces to cover and the mode to run it in",
          schema: {
            type: "object",
            required: ["scan", "mode"],
            properties: { scan: scanSchema, mode: { type: "string", enum: ["scan", "discover"] } },
          },
        },
        204: { description: "Nothing to do" },
        ...errorResponses({ 401: "The token is unknown or revoked" }),
      },
      handler: async (c) => {
        const { agent } = await agentOf(c);
        const scan = await claimAgentScan(deps.scans, agent.clusterId, deps.now().toISOString());
        if (!scan) return c.body(null, 204);
        deps.logger.info(
          { scanId: scan.id, agentId: agent.id, clusterId: agent.clusterId },
          "scan claimed by its agent",
        );
        return c.json({ scan: { ...scan, scope: agentScanScope(scan, agent.namespaces) }, mode: agent.mode });
      },
    },
    {
      method: "post",
      path: "/api/v1/agent/scans/:id/result",
      access: "agent",
      summary:
        "Send the result of a claimed scan (a ClusterScanResult as JSON, without matches: the server matches); stored once per scan",
      tags: ["agents"],
      parameters: [idParameter("The scan id")],
      requestBody: {
        description: "The scan result (`vigil scan cluster --format json`'s shape, dates as RFC 3339)",
        contentType: "application/json",
        schema: {
          type: "object",
          required: ["clusterId", "status", "startedAt", "finishedAt", "discovery", "images"],
        },
      },
      responses: {
        200: { description: "Taken in (or taken in before)", schema: intakeOutcomeSchema },
        ...deliveryErrorResponses("result"),
      },
      handler: async (c) => {
        const { agent, clusterId, body, scan } = await claimedDelivery(c);
        const result = parseAgentScanResult(body, clusterId);
        const outcome = await intake().receiveResult({ scan, result: { ...result, agentId: agent.id } });
        return c.json(outcome);
      },
    },
    {
      method: "post",
      path: "/api/v1/agent/scans/:id/discovery",
      access: "agent",
      summary:
        "Send the discovery of a claimed scan with the pull-secret credentials it needs; the server scans the images now (held in memory for this scan only)",
      tags: ["agents"],
      parameters: [idParameter("The scan id")],
      requestBody: {
        description:
          "`{ clusterId, startedAt, discovery, credentials: [{ digest, reference, registry, credentials }] }`",
        contentType: "application/json",
        schema: { type: "object", required: ["clusterId", "startedAt", "discovery", "credentials"] },
      },
      responses: {
        200: { description: "Scanned and stored (or taken in before)", schema: intakeOutcomeSchema },
        ...deliveryErrorResponses("discovery"),
      },
      handler: async (c) => {
        const { agent, clusterId, body, scan } = await claimedDelivery(c);
        const shipped = parseAgentDiscovery(body, clusterId);
        const outcome = await intake().scanDiscovery({
          scan,
          agentId: agent.id,
          discovery: shipped.discovery,
          startedAt: shipped.startedAt,
          credentialsFor: credentialsLookup(shipped.credentials, agent.id),
        });
        return c.json(outcome);
      },
    },
  ];
}
