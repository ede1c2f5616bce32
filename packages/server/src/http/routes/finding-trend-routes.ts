import type { RouteDefinition } from "../route-definition.js";
import type { ApiRouteDeps } from "./api-route-deps.js";
import { countsSchema, errorResponses } from "./api-schemas.js";
import { onlyQueryParameters, queryInteger, queryList } from "./request-input.js";

/** Longest trend, in days. */
export const MAX_TREND_DAYS = 365;

/** Days a trend covers unless asked. */
const DEFAULT_TREND_DAYS = 30;

const DAY = 86_400_000;

/** The open operational findings per day: the dashboard's trend. */
export function findingTrendRoutes(deps: ApiRouteDeps): RouteDefinition[] {
  return [
    {
      method: "get",
      path: "/api/v1/findings/trend",
      access: "developer",
      summary: "Open operational findings (detected or confirmed) per severity at the end of each UTC day",
      tags: ["findings"],
      parameters: [
        {
          name: "cluster",
          in: "query",
          description: "Cluster ids (repeatable); absent: every cluster",
          schema: { type: "array", items: { type: "string" } },
        },
        {
          name: "days",
          in: "query",
          description: `How many days, ending today (UTC), 1 … ${MAX_TREND_DAYS}; default ${DEFAULT_TREND_DAYS}`,
          schema: { type: "integer", minimum: 1, maximum: MAX_TREND_DAYS },
        },
      ],
      responses: {
        200: {
          description: "One entry per day, oldest first; today counts the findings as they are now",
          schema: {
            type: "object",
            required: ["days"],
            properties: {
              days: {
                type: "array",
                items: {
                  ...countsSchema,
                  required: ["day", ...(countsSchema.required as string[])],
                  properties: {
                    day: { type: "string", format: "date" },
                    ...(countsSchema.properties as object),
                  },
                },
              },
            },
          },
        },
        ...errorResponses({ 400: "An unknown parameter, or days out of range" }),
      },
      handler: async (c) => {
        onlyQueryParameters(c, ["cluster", "days"]);
        const days = queryInteger(c, "days", 1, MAX_TREND_DAYS) ?? DEFAULT_TREND_DAYS;
        const clusterIds = queryList(c, "cluster");
        const today = deps.now().getTime();
        const trend = await deps.trend.trend({
          from: new Date(today - (days - 1) * DAY).toISOString().slice(0, 10),
          to: new Date(today).toISOString().slice(0, 10),
          ...(clusterIds ? { clusterIds } : {}),
        });
        return c.json({ days: trend });
      },
    },
  ];
}
