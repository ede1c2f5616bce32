import { encodeCursor } from "../../store/keyset.js";
import type { ScanRecord, ScanStatus } from "../../store/scan-repository.js";
import { ApiError, type RouteDefinition } from "../route-definition.js";
import type { ApiRouteDeps } from "./api-route-deps.js";
import {
  cursorParameter,
  errorResponses,
  idParameter,
  pageSchema,
  scanSchema,
  scanWithImagesSchema,
} from "./api-schemas.js";
import {
  notFound,
  onlyFields,
  onlyQueryParameters,
  optionalStringList,
  queryEnumList,
  queryInteger,
  queryList,
  queryString,
  readJsonObject,
  requiredString,
  resourceUrl,
} from "./request-input.js";

const SCAN_STATUSES: readonly ScanStatus[] = [
  "queued",
  "running",
  "complete",
  "partial",
  "failed",
  "interrupted",
  "cancelled",
];

/** The scan repository's page order: its cursors hold `[createdAt, id]` whatever the cluster. */
const SCAN_PAGE_ORDER = "scans:created_at-desc";

/** Largest page of scans. */
const MAX_SCAN_PAGE = 200;

/** Scans: list (newest first), one with its images and failures, start, cancel. */
export function scanRoutes(deps: ApiRouteDeps): RouteDefinition[] {
  return [
    {
      method: "get",
      path: "/api/v1/scans",
      access: "developer",
      summary: "Scans, newest first, one page at a time",
      tags: ["scans"],
      parameters: [
        {
          name: "cluster",
          in: "query",
          description: "Only these clusters (repeatable); default every cluster",
          schema: { type: "array", items: { type: "string" } },
        },
        {
          name: "status",
          in: "query",
          description: "Only these statuses (repeatable, or comma-separated)",
          schema: { type: "array", items: { type: "string", enum: [...SCAN_STATUSES] } },
        },
        cursorParameter(),
        {
          name: "limit",
          in: "query",
          description: `Scans per page, 1 … ${MAX_SCAN_PAGE} (default 50)`,
          schema: { type: "integer", minimum: 1, maximum: MAX_SCAN_PAGE },
        },
      ],
      responses: {
        200: { description: "One page", schema: pageSchema(scanSchema) },
        ...errorResponses({ 400: "A malformed parameter or a cursor this server did not issue" }),
      },
      handler: async (c) => {
        onlyQueryParameters(c, ["cluster", "status", "cursor", "limit"]);
        const statuses = queryEnumList(c, "status", SCAN_STATUSES);
        const cursor = queryString(c, "cursor");
        const limit = queryInteger(c, "limit", 1, MAX_SCAN_PAGE) ?? 50;
        const clusterIds = queryList(c, "cluster") ?? (await deps.clusters.list()).map((cl) => cl.id);
        // One keyset page per cluster, merged: the order (queue time, id) is the same for every
        // cluster, so the merged page's last key is the cursor for all of them.
        const pages = await Promise.all(
          clusterIds.map((id) =>
            deps.scanRecords.listByCluster(id, {
              limit,
              ...(cursor !== undefined ? { cursor } : {}),
              ...(statuses ? { statuses } : {}),
            }),
          ),
        );
        const merged = pages.flatMap((p) => p.items).sort(newestFirst);
        const items = merged.slice(0, limit);
        const last = items[items.length - 1];
        const more = merged.length > limit || pages.some((p) => p.nextCursor !== undefined);
        return c.json({
          items,
          ...(more && last ? { nextCursor: encodeCursor(SCAN_PAGE_ORDER, [last.createdAt, last.id]) } : {}),
        });
      },
    },
    {
      method: "get",
      path: "/api/v1/scans/:id",
      access: "developer",
      summary: "One scan with each image's result and what the scan could not cover",
      tags: ["scans"],
      parameters: [idParameter("The scan id")],
      responses: {
        200: { description: "The scan", schema: scanWithImagesSchema },
        ...errorResponses({ 404: "No such scan" }),
      },
      handler: async (c) => {
        const id = c.req.param("id")!;
        const scan = await deps.scanRecords.get(id);
        if (!scan) throw notFound("scan", id);
        return c.json(scan);
      },
    },
    {
      method: "post",
      path: "/api/v1/scans",
      access: "maintainer",
      summary: "Start a scan of a cluster; it runs in the background",
      tags: ["scans"],
      requestBody: {
        description: "What to scan",
        contentType: "application/json",
        schema: {
          type: "object",
          required: ["cluster"],
          additionalProperties: false,
          properties: {
            cluster: { type: "string", description: "The cluster id" },
            namespaces: {
              type: "array",
              items: { type: "string" },
              description: "Only these namespaces; absent or empty: every namespace",
            },
          },
        },
      },
      responses: {
        202: { description: "Queued; poll `Location` for its progress", schema: scanSchema },
        ...errorResponses({
          400: "A field is missing or malformed",
          404: "No such cluster",
          503: "This server runs no scans",
        }),
      },
      handler: async (c) => {
        const body = await readJsonObject(c);
        onlyFields(body, ["cluster", "namespaces"]);
        const clusterId = requiredString(body, "cluster");
        const namespaces = optionalStringList(body, "namespaces") ?? [];
        if (!(await deps.clusters.get(clusterId))) throw notFound("cluster", clusterId);
        const scan = await deps.scans.start({ clusterId, scope: { namespaces }, trigger: "manual" });
        c.header("Location", resourceUrl(c, `/api/v1/scans/${encodeURIComponent(scan.id)}`));
        return c.json(scan, 202);
      },
    },
    {
      method: "post",
      path: "/api/v1/scans/:id/cancel",
      access: "maintainer",
      summary: "Cancel a queued or running scan",
      tags: ["scans"],
      parameters: [idParameter("The scan id")],
      responses: {
        202: { description: "Cancellation requested; the scan as it is now", schema: scanSchema },
        ...errorResponses({
          404: "No such scan",
          409: "The scan has finished already",
          503: "This server runs no scans",
        }),
      },
      handler: async (c) => {
        const id = c.req.param("id")!;
        const scan = await deps.scanRecords.get(id);
        if (!scan) throw notFound("scan", id);
        if (!(await deps.scans.cancel(id))) {
          const now = (await deps.scanRecords.get(id)) ?? scan;
          throw new ApiError(409, `the scan ${id} has finished already (${now.status}); nothing to cancel`, {
            status: now.status,
          });
        }
        const { images: _, ...current } = (await deps.scanRecords.get(id)) ?? scan;
        return c.json(current, 202);
      },
    },
  ];
}

function newestFirst(a: ScanRecord, b: ScanRecord): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}
