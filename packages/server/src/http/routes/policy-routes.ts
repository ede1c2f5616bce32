import type { JsonSchema, RouteDefinition } from "../route-definition.js";
import type { ApiRouteDeps } from "./api-route-deps.js";
import { errorResponses, idParameter, policySchema, policyYamlSchema } from "./api-schemas.js";
import {
  parseOnePolicy,
  policyFields,
  policyResponse,
  readPolicyDocument,
  withEnabled,
  YAML_MEDIA_TYPES,
} from "./policy-document.js";
import { badInput, notFound, onlyFields, readJsonObject, resourceUrl } from "./request-input.js";

const policyBody = {
  description:
    "One scan execution policy: YAML in GitLab's shape (`application/yaml`), or the same structure as JSON",
  contentType: "application/yaml",
  schema: policyYamlSchema,
  otherContentTypes: {
    ...Object.fromEntries(YAML_MEDIA_TYPES.slice(1).map((type) => [type, policyYamlSchema])),
    "application/json": {
      type: "object",
      description: "The policy mapping as JSON (name, description, enabled, rules, actions)",
    } satisfies JsonSchema,
  },
};

const policyErrors = errorResponses({
  400: "The policy does not parse or validate: `details.errors` lists every located error (line, column, path, reason)",
  409: "Another policy has this name",
  415: "Neither YAML nor JSON",
});

/** Scan execution policies: list, create, read, replace, enable or disable, delete. */
export function policyRoutes(deps: ApiRouteDeps): RouteDefinition[] {
  const requirePolicy = async (id: string) => {
    const policy = await deps.policies.get(id);
    if (!policy) throw notFound("scan policy", id);
    return policy;
  };
  return [
    {
      method: "get",
      path: "/api/v1/policies",
      access: "developer",
      summary: "Every scan execution policy, by name, with its next run",
      tags: ["policies"],
      responses: {
        200: {
          description: "The policies",
          schema: { type: "object", properties: { items: { type: "array", items: policySchema } } },
        },
      },
      handler: async (c) => c.json({ items: (await deps.policies.list()).map((p) => policyResponse(p)) }),
    },
    {
      method: "post",
      path: "/api/v1/policies",
      access: "maintainer",
      summary: "Create a scan execution policy",
      tags: ["policies"],
      requestBody: policyBody,
      responses: { 201: { description: "Created", schema: policySchema }, ...policyErrors },
      handler: async (c) => {
        const document = await readPolicyDocument(c);
        const now = deps.now();
        const record = await deps.policies.create({
          ...policyFields(document.policy, document.yaml, now),
          id: deps.newId(),
          createdAt: now.toISOString(),
        });
        c.header("Location", resourceUrl(c, `/api/v1/policies/${encodeURIComponent(record.id)}`));
        return c.json(policyResponse(record, document.warnings), 201);
      },
    },
    {
      method: "get",
      path: "/api/v1/policies/:id",
      access: "developer",
      summary: "One scan execution policy, with its YAML and next run",
      tags: ["policies"],
      parameters: [idParameter("The policy id")],
      responses: {
        200: { description: "The policy", schema: policySchema },
        ...errorResponses({ 404: "No such policy" }),
      },
      handler: async (c) => c.json(policyResponse(await requirePolicy(c.req.param("id")!))),
    },
    {
      method: "put",
      path: "/api/v1/policies/:id",
      access: "maintainer",
      summary: "Replace a scan execution policy (its YAML, and so its name, rules and actions)",
      tags: ["policies"],
      parameters: [idParameter("The policy id")],
      requestBody: policyBody,
      responses: {
        200: { description: "Replaced", schema: policySchema },
        ...policyErrors,
        ...errorResponses({ 404: "No such policy" }),
      },
      handler: async (c) => {
        const id = c.req.param("id")!;
        await requirePolicy(id);
        const document = await readPolicyDocument(c);
        const now = deps.now();
        const record = await deps.policies.update(id, {
          ...policyFields(document.policy, document.yaml, now),
          updatedAt: now.toISOString(),
        });
        if (!record) throw notFound("scan policy", id);
        return c.json(policyResponse(record, document.warnings));
      },
    },
    {
      method: "patch",
      path: "/api/v1/policies/:id",
      access: "maintainer",
      summary: "Enable or disable a scan execution policy (its YAML's `enabled` is edited in place)",
      tags: ["policies"],
      parameters: [idParameter("The policy id")],
      requestBody: {
        description: "The new state",
        contentType: "application/json",
        schema: {
          type: "object",
          required: ["enabled"],
          additionalProperties: false,
          properties: { enabled: { type: "boolean" } },
        },
      },
      responses: {
        200: { description: "Changed; a disabled policy has no next run", schema: policySchema },
        ...errorResponses({ 400: "`enabled` is missing or not a boolean", 404: "No such policy" }),
      },
      handler: async (c) => {
        const id = c.req.param("id")!;
        const body = await readJsonObject(c);
        onlyFields(body, ["enabled"]);
        if (typeof body.enabled !== "boolean") throw badInput("enabled", "expected true or false");
        const stored = await requirePolicy(id);
        const yaml = withEnabled(parseOnePolicy(stored.yaml), body.enabled);
        const document = parseOnePolicy(yaml);
        const now = deps.now();
        const record = await deps.policies.update(id, {
          ...policyFields(document.policy, yaml, now),
          updatedAt: now.toISOString(),
        });
        if (!record) throw notFound("scan policy", id);
        return c.json(policyResponse(record));
      },
    },
    {
      method: "delete",
      path: "/api/v1/policies/:id",
      access: "maintainer",
      summary: "Delete a scan execution policy (the scans it started stay)",
      tags: ["policies"],
      parameters: [idParameter("The policy id")],
      responses: { 204: { description: "Deleted" }, ...errorResponses({ 404: "No such policy" }) },
      handler: async (c) => {
        const id = c.req.param("id")!;
        if (!(await deps.policies.delete(id))) throw notFound("scan policy", id);
        return c.body(null, 204);
      },
    },
  ];
}
