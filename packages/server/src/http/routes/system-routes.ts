import { sql } from "kysely";
import type { VigilDatabase } from "../../db/index.js";
import type { RouteDefinition } from "../route-definition.js";

/** `GET /api/v1/health`: the server answers, and whether its database does. */
export function systemRoutes(database: VigilDatabase, version: string): RouteDefinition[] {
  return [
    {
      method: "get",
      path: "/api/v1/health",
      access: "public",
      summary: "Liveness and database reachability",
      tags: ["system"],
      responses: {
        200: {
          description: "Up, with the database reachable",
          schema: {
            type: "object",
            properties: {
              status: { const: "ok" },
              version: { type: "string" },
              database: { type: "string" },
            },
          },
        },
        503: { description: "Up, but the database is unreachable" },
      },
      handler: async (c) => {
        try {
          await sql`select 1`.execute(database.db);
          return c.json({ status: "ok", version, database: database.dialect });
        } catch {
          c.header("Retry-After", "5");
          return c.json({ status: "degraded", version, database: "unavailable" }, 503);
        }
      },
    },
  ];
}
