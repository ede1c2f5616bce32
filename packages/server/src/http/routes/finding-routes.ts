import type { FindingFilter } from "../../store/finding-filter.js";
import type { FindingHistoryInput, FindingRecord } from "../../store/finding-record.js";
import { retryWhenFindingsChange } from "../../store/retry-when-findings-change.js";
import { ApiError, type RouteDefinition } from "../route-definition.js";
import { type ApiRouteDeps, requestActor } from "./api-route-deps.js";
import {
  countsSchema,
  errorResponses,
  findingDetailSchema,
  findingSchema,
  findingStateSchema,
  idParameter,
  pageSchema,
} from "./api-schemas.js";
import { findingDetail } from "./finding-detail.js";
import {
  checkFindingQueryNames,
  FILTER_PARAMETERS,
  findingFilterOfObject,
  findingFilterOfQuery,
  findingQueryOfQuery,
  hasConditions,
  PAGE_PARAMETERS,
} from "./finding-filter-input.js";
import { planStateChange, readStateChange, refusal, stateChangeProperties } from "./finding-state-input.js";
import { badInput, notFound, onlyFields, readJsonObject } from "./request-input.js";

/** Most findings one bulk change touches. */
export const MAX_BULK_FINDINGS = 5_000;

/** Most refusals a 422 lists. */
const MAX_LISTED_REFUSALS = 50;

const refusalSchema = {
  type: "object",
  properties: {
    error: {
      type: "object",
      properties: {
        status: { const: 422 },
        message: { type: "string" },
        details: {
          type: "object",
          description:
            "`problem`: not-allowed, unchanged, reason-required, reason-not-allowed, unknown-reason",
          properties: {
            id: { type: "string" },
            problem: { type: "string" },
            from: findingStateSchema,
            to: findingStateSchema,
            message: { type: "string" },
          },
        },
      },
    },
  },
};

/**
 * Findings: the filtered, sorted, paged list with its counts, one finding with its history,
 * and state changes by hand, one at a time or in bulk.
 */
export function findingRoutes(deps: ApiRouteDeps): RouteDefinition[] {
  return [
    {
      method: "get",
      path: "/api/v1/findings",
      access: "developer",
      summary: "Findings under a filter, sorted, one page at a time",
      tags: ["findings"],
      parameters: [
        ...FILTER_PARAMETERS,
        ...PAGE_PARAMETERS,
        {
          name: "counts",
          in: "query",
          description: "`true`: add the counts per severity of the whole filter (as the summary gives)",
          schema: { type: "boolean" },
        },
      ],
      responses: {
        200: { description: "One page", schema: pageSchema(findingSchema, { counts: countsSchema }) },
        ...errorResponses({ 400: "A malformed parameter, or a cursor of another sort or server" }),
      },
      handler: async (c) => {
        checkFindingQueryNames(c, ["sort", "order", "cursor", "limit", "counts"]);
        const query = findingQueryOfQuery(c);
        const withCounts = c.req.query("counts");
        if (withCounts !== undefined && !["true", "false", "1", "0", ""].includes(withCounts)) {
          throw badInput("query.counts", "expected true or false");
        }
        const page = await deps.findings.query(query);
        const counts =
          withCounts === "true" || withCounts === "1" ? await deps.findings.counts(query) : undefined;
        return c.json({ ...page, ...(counts ? { counts } : {}) });
      },
    },
    {
      method: "get",
      path: "/api/v1/findings/summary",
      access: "developer",
      summary: "How many findings a filter covers, per severity and in total",
      tags: ["findings"],
      parameters: FILTER_PARAMETERS,
      responses: {
        200: { description: "The counts", schema: countsSchema },
        ...errorResponses({ 400: "A malformed parameter" }),
      },
      handler: async (c) => {
        checkFindingQueryNames(c, []);
        return c.json(await deps.findings.counts(findingFilterOfQuery(c)));
      },
    },
    {
      method: "post",
      path: "/api/v1/findings/state",
      access: "developer",
      summary: "Change the state of several findings at once: all of them, or none",
      tags: ["findings"],
      requestBody: {
        description: `The findings (\`ids\`, or a \`filter\` with the list's fields; at most ${MAX_BULK_FINDINGS}) and the change`,
        contentType: "application/json",
        schema: {
          type: "object",
          required: ["state"],
          additionalProperties: false,
          properties: {
            ids: { type: "array", items: { type: "string" }, maxItems: MAX_BULK_FINDINGS },
            filter: {
              type: "object",
              description: "The list's filter fields (report_type, cluster, severity, state, q ...) as JSON",
            },
            ...stateChangeProperties,
          },
        },
      },
      responses: {
        200: {
          description: "Changed; findings already in the asked state (and reason) are left as they are",
          schema: {
            type: "object",
            properties: {
              changed: { type: "array", items: { type: "string" } },
              unchanged: { type: "array", items: { type: "string" } },
            },
          },
        },
        ...errorResponses({
          400: "Neither or both of ids and filter, an empty filter, too many findings, or a malformed field",
          404: "Some ids are unknown (`details.ids`); nothing was changed",
        }),
        422: {
          description: "Some changes are not allowed (`details.refused`); nothing was changed",
          schema: refusalSchema,
        },
      },
      handler: async (c) => {
        const body = await readJsonObject(c);
        onlyFields(body, ["ids", "filter", "state", "reason", "comment"]);
        const request = readStateChange(body);
        if ((body.ids === undefined) === (body.filter === undefined)) {
          throw badInput("ids", "give either ids or filter");
        }
        // Read, plan and write again from the read when a scan changed some of them meanwhile.
        const { changed, unchanged } = await retryWhenFindingsChange(async () => {
          const records =
            body.ids !== undefined ? await byIds(deps, body.ids) : await byFilter(deps, body.filter);
          const now = deps.now();
          const changed: FindingRecord[] = [];
          const history: FindingHistoryInput[] = [];
          const unchanged: string[] = [];
          const refused: ReturnType<typeof refusal>[] = [];
          for (const record of records) {
            const plan = planStateChange(record, request, requestActor(c), now);
            if (plan.ok) {
              changed.push(plan.record);
              history.push(plan.history);
            } else if (plan.error.problem === "unchanged") {
              unchanged.push(record.id);
            } else {
              refused.push(refusal(plan.error, record.id));
            }
          }
          if (refused.length > 0) {
            throw new ApiError(
              422,
              `${refused.length} of ${records.length} findings cannot be made ${request.state} (first: ${refused[0]!.message}); nothing was changed`,
              { refused: refused.slice(0, MAX_LISTED_REFUSALS), refusedCount: refused.length },
            );
          }
          // One transaction: every finding and history entry, or nothing.
          await deps.findings.applyChanges({ findings: changed, history, at: now });
          return { changed, unchanged };
        });
        return c.json({ changed: changed.map((r) => r.id), unchanged });
      },
    },
    {
      method: "get",
      path: "/api/v1/findings/:id",
      access: "developer",
      summary: "One finding with its history, why it matched, and where else its image runs",
      tags: ["findings"],
      parameters: [idParameter("The finding id")],
      responses: {
        200: { description: "The finding", schema: findingDetailSchema },
        ...errorResponses({ 404: "No such finding" }),
      },
      handler: async (c) => {
        const id = c.req.param("id")!;
        const finding = await deps.findings.get(id);
        if (!finding) throw notFound("finding", id);
        return c.json(await findingDetail(deps, finding));
      },
    },
    {
      method: "post",
      path: "/api/v1/findings/:id/state",
      access: "developer",
      summary: "Change a finding's state: confirm, dismiss (with a reason), resolve, or reopen",
      tags: ["findings"],
      parameters: [idParameter("The finding id")],
      requestBody: {
        description: "The change",
        contentType: "application/json",
        schema: {
          type: "object",
          required: ["state"],
          additionalProperties: false,
          properties: stateChangeProperties,
        },
      },
      responses: {
        200: { description: "Changed; the finding with its history", schema: findingDetailSchema },
        ...errorResponses({ 400: "A malformed field", 404: "No such finding" }),
        422: { description: "The change is not allowed from the finding's state", schema: refusalSchema },
      },
      handler: async (c) => {
        const id = c.req.param("id")!;
        const body = await readJsonObject(c);
        onlyFields(body, ["state", "reason", "comment"]);
        const request = readStateChange(body);
        // Read, plan and write again from the read when a scan changed the finding meanwhile.
        const record = await retryWhenFindingsChange(async () => {
          const stored = await deps.findings.get(id);
          if (!stored) throw notFound("finding", id);
          const now = deps.now();
          const plan = planStateChange(stored, request, requestActor(c), now);
          if (!plan.ok) throw new ApiError(422, plan.error.message, refusal(plan.error, id));
          await deps.findings.applyChanges({ findings: [plan.record], history: [plan.history], at: now });
          return plan.record;
        });
        // as stored now (its new row version), with the history the change added: the same
        // answer as a GET, which the page replaces its view with
        const stored = (await deps.findings.get(id)) ?? record;
        return c.json(await findingDetail(deps, stored));
      },
    },
  ];
}

async function byIds(deps: ApiRouteDeps, value: unknown): Promise<FindingRecord[]> {
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === "string" && v !== "")) {
    throw badInput("ids", "expected a non-empty list of finding ids");
  }
  const ids = [...new Set(value as string[])];
  if (ids.length > MAX_BULK_FINDINGS) throw badInput("ids", `at most ${MAX_BULK_FINDINGS} per request`);
  const records: FindingRecord[] = [];
  const missing: string[] = [];
  for (let i = 0; i < ids.length; i += 50) {
    const part = ids.slice(i, i + 50);
    const found = await Promise.all(part.map((id) => deps.findings.get(id)));
    found.forEach((record, j) => {
      if (record) records.push(record);
      else missing.push(part[j]!);
    });
  }
  if (missing.length > 0) {
    throw new ApiError(
      404,
      `${missing.length} unknown finding ids (first: ${missing[0]}); nothing was changed`,
      {
        ids: missing.slice(0, MAX_LISTED_REFUSALS),
      },
    );
  }
  return records;
}

async function byFilter(deps: ApiRouteDeps, value: unknown): Promise<FindingRecord[]> {
  const filter: FindingFilter = findingFilterOfObject(value, "filter");
  if (!hasConditions(filter)) throw badInput("filter", "give at least one condition");
  const records: FindingRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.findings.query({ ...filter, limit: 1_000, ...(cursor ? { cursor } : {}) });
    records.push(...page.items);
    if (records.length > MAX_BULK_FINDINGS) {
      throw badInput("filter", `selects more than ${MAX_BULK_FINDINGS} findings; narrow it`);
    }
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return records;
}
