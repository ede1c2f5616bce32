import { InvalidCursorError } from "../../store/store-errors.js";
import type { RouteDefinition } from "../route-definition.js";
import { asApiError } from "./api-routes.js";
import { cursorParameter, errorResponses, pageSchema } from "./api-schemas.js";
import type { AuthRouteDeps } from "./auth-route-deps.js";
import { auditEventSchema } from "./auth-schemas.js";
import { onlyQueryParameters, queryInteger, queryString } from "./request-input.js";

/** The audit log, newest first (owner only). */
export function auditRoutes(deps: AuthRouteDeps): RouteDefinition[] {
  return [
    {
      method: "get",
      path: "/api/v1/audit-events",
      access: "owner",
      summary: "Every write to the API, allowed or refused, newest first",
      tags: ["users"],
      parameters: [
        cursorParameter("From a previous page's nextCursor"),
        {
          name: "limit",
          in: "query",
          description: "Events per page (1-1000, default 50)",
          schema: { type: "integer", minimum: 1, maximum: 1000 },
        },
      ],
      responses: {
        200: { description: "A page of events", schema: pageSchema(auditEventSchema) },
        ...errorResponses({ 400: "A cursor this list did not issue, or a bad limit" }),
      },
      handler: async (c) => {
        onlyQueryParameters(c, ["cursor", "limit"]);
        const cursor = queryString(c, "cursor");
        const limit = queryInteger(c, "limit", 1, 1000);
        try {
          return c.json(
            await deps.audit.list({
              ...(cursor ? { cursor } : {}),
              ...(limit !== undefined ? { limit } : {}),
            }),
          );
        } catch (error) {
          if (error instanceof InvalidCursorError) throw asApiError(error);
          throw error;
        }
      },
    },
  ];
}
