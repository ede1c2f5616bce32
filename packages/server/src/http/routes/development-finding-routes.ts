import {
  FINDING_TRANSITION_KINDS,
  type FindingHistoryEntry,
  findingKey,
  reconcileFindings,
} from "@vigil/core";
import {
  type FindingHistoryInput,
  type FindingRecord,
  toFinding,
  toFindingRecord,
  toHistoryInput,
} from "../../store/finding-record.js";
import { retryWhenFindingsChange } from "../../store/retry-when-findings-change.js";
import { ApiError, type RouteDefinition } from "../route-definition.js";
import type { ApiRouteDeps } from "./api-route-deps.js";
import { errorResponses } from "./api-schemas.js";
import { DEVELOPMENT_CLUSTER, readContainerScanningReport } from "./container-scanning-report.js";
import { badInput, badInputs, onlyQueryParameters, queryString, readJsonBody } from "./request-input.js";

/** Longest project path or branch name. */
const MAX_NAME = 255;

/**
 * `POST /api/v1/projects/:project/development-findings?branch=`: a CI pipeline's GitLab
 * container scanning report becomes the development findings of that project and branch,
 * replacing the previous report's: new ones are created, those detected again keep their
 * state (a dismissal stays), and open ones the report no longer has are resolved. Listed by
 * `GET /api/v1/findings?report_type=development&project=…&branch=…`.
 */
export function developmentFindingRoutes(deps: ApiRouteDeps): RouteDefinition[] {
  return [
    {
      method: "post",
      path: "/api/v1/projects/:project/development-findings",
      access: "developer",
      summary:
        "Record a CI pipeline's container scanning report as the development findings of a project and branch",
      tags: ["findings"],
      parameters: [
        {
          name: "project",
          in: "path",
          description: "The project path, URL-encoded (`group%2Fapp`)",
          schema: { type: "string", maxLength: MAX_NAME },
        },
        {
          name: "branch",
          in: "query",
          required: true,
          description: "The branch the pipeline ran for",
          schema: { type: "string", maxLength: MAX_NAME },
        },
      ],
      requestBody: {
        description: "A GitLab container scanning report (`gl-container-scanning-report.json`, schema 15.x)",
        contentType: "application/json",
        // a report of a large image with many findings runs to tens of megabytes
        maxBytes: 64 * 1024 * 1024,
        schema: {
          type: "object",
          required: ["vulnerabilities"],
          properties: {
            version: { type: "string" },
            scan: { type: "object", properties: { type: { const: "container_scanning" } } },
            vulnerabilities: {
              type: "array",
              items: {
                type: "object",
                required: ["identifiers", "location"],
                properties: {
                  identifiers: { type: "array", minItems: 1, items: { type: "object" } },
                  severity: { type: "string" },
                  location: {
                    type: "object",
                    required: ["dependency", "image"],
                    properties: {
                      dependency: { type: "object" },
                      operating_system: { type: "string" },
                      image: { type: "string" },
                    },
                  },
                  details: { type: "object" },
                },
              },
            },
          },
        },
      },
      responses: {
        200: {
          description: "Recorded: what changed, per kind",
          schema: {
            type: "object",
            properties: {
              project: { type: "string" },
              branch: { type: "string" },
              findings: { type: "integer", description: "Detected in this report" },
              changes: {
                type: "object",
                properties: Object.fromEntries(FINDING_TRANSITION_KINDS.map((k) => [k, { type: "integer" }])),
              },
            },
          },
        },
        ...errorResponses({
          400: "Not a container scanning report: `details.problems` names the first problems",
        }),
      },
      handler: async (c) => {
        onlyQueryParameters(c, ["branch"]);
        const project = c.req.param("project")!.trim();
        if (project === "" || project.length > MAX_NAME) {
          throw badInput("project", `expected 1 to ${MAX_NAME} characters`);
        }
        const branch = queryString(c, "branch")?.trim();
        if (!branch) throw badInput("query.branch", "required: the branch the pipeline ran for");
        if (branch.length > MAX_NAME) throw badInput("query.branch", `at most ${MAX_NAME} characters`);
        const read = readContainerScanningReport(await readJsonBody(c));
        if (!read.ok) throw badInputs("not a GitLab container scanning report", read.problems);

        const result = await retryWhenFindingsChange(async () => {
          const previous = await allOf(deps, project, branch);
          const byKey = new Map(previous.map((r) => [findingKey(r.identity), r]));
          const enrichment = new Map(read.detections.map((d) => [findingKey(d.identity), d]));
          const now = deps.now();
          const reconciled = reconcileFindings({
            clusterId: DEVELOPMENT_CLUSTER,
            // not a stored scan: history entries keep no scan id (see `historyOf`)
            scanId: "",
            now,
            // a report is the whole of what the pipeline found: it covers every previous finding
            coverage: {
              status: "complete",
              scope: { namespaces: "all" },
              uncoveredNamespaces: [],
              uncovered: [],
            },
            detections: read.detections,
            previous: previous.map(toFinding),
          });
          const findings: FindingRecord[] = [];
          const history: FindingHistoryInput[] = [];
          for (const t of reconciled.transitions) {
            const stored = byKey.get(t.key);
            if (t.kind === "unchanged-not-covered") continue;
            if (t.kind === "no-longer-detected" && stored?.noLongerDetected) continue;
            const detected = enrichment.get(t.key);
            const id = stored?.id ?? deps.newId();
            const resolvedAt =
              t.finding.state !== "resolved"
                ? undefined
                : stored?.state === "resolved"
                  ? stored.resolvedAt
                  : now.toISOString();
            findings.push(
              toFindingRecord(t.finding, {
                id,
                reportType: "development",
                project,
                branch,
                kev: detected ? detected.kev : (stored?.kev ?? false),
                epss: detected ? detected.epss : stored?.epss,
                resolvedAt,
                rowVersion: stored?.rowVersion,
              }),
            );
            history.push(...t.history.map((entry) => historyOf(entry, id)));
          }
          await deps.findings.applyChanges({ findings, history, at: now });
          return reconciled;
        });
        return c.json({ project, branch, findings: read.detections.length, changes: result.counts });
      },
    },
  ];
}

function historyOf(entry: FindingHistoryEntry, id: string): FindingHistoryInput {
  const { scanId: _, ...rest } = entry;
  return toHistoryInput(rest, id);
}

/** Every development finding of a project and branch, in any state. */
async function allOf(deps: ApiRouteDeps, project: string, branch: string): Promise<FindingRecord[]> {
  const records: FindingRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.findings.query({
      reportType: "development",
      project,
      branch,
      limit: 1_000,
      ...(cursor ? { cursor } : {}),
    });
    records.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  if (records.some((r) => r.identity.clusterId !== DEVELOPMENT_CLUSTER)) {
    throw new ApiError(500, "stored development findings name a cluster; they cannot be reconciled");
  }
  return records;
}
