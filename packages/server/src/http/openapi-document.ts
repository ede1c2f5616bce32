import type { RouteDefinition } from "./route-definition.js";

/** The OpenAPI 3.1 document of `routes`, generated from the same definitions that serve them. */
export function openApiDocument(
  routes: readonly RouteDefinition[],
  version: string,
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    // Hono's `:id` is OpenAPI's `{id}`.
    const path = route.path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
    paths[path] ??= {};
    paths[path]![route.method] = {
      summary: route.summary,
      tags: route.tags,
      operationId: `${route.method}${path.replace(/[{}]/g, "").replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ""))}`,
      "x-vigil-access": route.access,
      security: securityOf(route),
      ...(route.parameters?.length
        ? {
            parameters: route.parameters.map((p) => ({
              name: p.name,
              in: p.in,
              required: p.in === "path" ? true : (p.required ?? false),
              description: p.description,
              schema: p.schema,
            })),
          }
        : {}),
      ...(route.requestBody
        ? {
            requestBody: {
              description: route.requestBody.description,
              required: true,
              content: {
                [route.requestBody.contentType]: { schema: route.requestBody.schema },
                ...Object.fromEntries(
                  Object.entries(route.requestBody.otherContentTypes ?? {}).map(([type, schema]) => [
                    type,
                    { schema },
                  ]),
                ),
              },
            },
          }
        : {}),
      responses: Object.fromEntries(
        Object.entries(route.responses).map(([status, response]) => [
          status,
          {
            description: response.description,
            ...(response.schema
              ? { content: { [response.contentType ?? "application/json"]: { schema: response.schema } } }
              : {}),
          },
        ]),
      ),
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Vigil API",
      version,
      description: "Operational vulnerabilities of the images running in Kubernetes clusters.",
    },
    servers: [{ url: "/" }],
    paths,
    components: {
      securitySchemes: {
        bearerToken: {
          type: "http",
          scheme: "bearer",
          description: "A user's API token (`vigil_pat_…`), or an agent's token on agent routes",
        },
        session: {
          type: "apiKey",
          in: "cookie",
          name: "vigil_session",
          description: "Set by POST /api/v1/auth/login; POST, PUT, PATCH and DELETE also send X-CSRF-Token",
        },
      },
    },
  };
}

/** How a route is authenticated: none for public routes, an agent's token, or a user's token or session. */
function securityOf(route: RouteDefinition): Record<string, string[]>[] {
  if (route.access === "public") return [];
  if (route.access === "agent") return [{ bearerToken: [] }];
  return [{ bearerToken: [] }, { session: [] }];
}
