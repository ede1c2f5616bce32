import {
  buildSarif,
  type FindingState,
  type GitlabScanInfo,
  type GitlabScanMessage,
  renderCycloneDxVulnerabilities,
  renderGitlabClusterImageScanning,
  SARIF_SCHEMA_URI,
  type SarifLog,
} from "@vigil/core";
import type { FindingFilter } from "../../store/finding-filter.js";
import type { FindingRecord } from "../../store/finding-record.js";
import type { RouteDefinition } from "../route-definition.js";
import type { ApiRouteDeps } from "./api-route-deps.js";
import { errorResponses } from "./api-schemas.js";
import { checkFindingQueryNames, FILTER_PARAMETERS, findingFilterOfQuery } from "./finding-filter-input.js";
import {
  gitlabClusterImages,
  type ReportImage,
  reportImages,
  splitDismissed,
} from "./finding-report-inputs.js";
import { csvHeader, csvRow } from "./findings-csv.js";
import { badInput, oneOf } from "./request-input.js";

const FORMATS = ["csv", "gitlab", "sarif", "cyclonedx"] as const;
type ExportFormat = (typeof FORMATS)[number];

/** Rows read per query while exporting. */
const EXPORT_PAGE = 500;

/** Most findings a report export (not CSV, which streams) holds in memory. */
export const MAX_REPORT_FINDINGS = 100_000;

/** What the reports cover when the request names no state: not what is resolved (gone). */
const REPORT_DEFAULT_STATES: readonly FindingState[] = ["detected", "confirmed", "dismissed"];

const MEDIA_TYPES: Readonly<Record<ExportFormat, string>> = {
  csv: "text/csv; charset=utf-8",
  gitlab: "application/json",
  sarif: "application/sarif+json",
  cyclonedx: "application/vnd.cyclonedx+json; version=1.6",
};

const FILE_NAMES: Readonly<Record<ExportFormat, string>> = {
  csv: "vigil-findings.csv",
  gitlab: "gl-cluster-image-scanning-report.json",
  sarif: "vigil-findings.sarif",
  cyclonedx: "vigil-findings.cdx.json",
};

/** `GET /api/v1/findings/export`: every finding under a filter, as CSV or a security report. */
export function findingExportRoutes(deps: ApiRouteDeps): RouteDefinition[] {
  return [
    {
      method: "get",
      path: "/api/v1/findings/export",
      access: "developer",
      summary: "Export every finding under a filter: CSV, GitLab cluster image scanning, SARIF or CycloneDX",
      tags: ["findings"],
      parameters: [
        {
          name: "format",
          in: "query",
          required: true,
          description:
            "`csv` (every state, streamed), `gitlab` (operational findings; schema 15.0.7), `sarif` (one run per image), " +
            "`cyclonedx` (one image: add `image_digest`). Reports leave resolved findings out unless `state` asks; " +
            "dismissed ones are suppressed results in SARIF and CycloneDX.",
          schema: { type: "string", enum: [...FORMATS] },
        },
        ...FILTER_PARAMETERS,
      ],
      responses: {
        200: {
          description: "The export, as an attachment",
          contentType: "application/octet-stream",
          schema: { type: "string" },
        },
        ...errorResponses({ 400: "A malformed parameter, or a filter the format cannot cover" }),
      },
      handler: async (c) => {
        checkFindingQueryNames(c, ["format"]);
        const formatText = c.req.query("format");
        if (!formatText) throw badInput("query.format", `required: one of ${FORMATS.join(", ")}`);
        const format = oneOf(formatText, FORMATS, "query.format");
        let filter = findingFilterOfQuery(c);
        const headers = {
          "Content-Type": MEDIA_TYPES[format],
          "Content-Disposition": `attachment; filename="${FILE_NAMES[format]}"`,
        };
        if (format === "csv") return c.body(csvStream(deps, filter), 200, headers);

        if (filter.states === undefined) filter = { ...filter, states: REPORT_DEFAULT_STATES };
        if (format === "gitlab") {
          if (filter.reportType === "development") {
            throw badInput(
              "query.report_type",
              "the GitLab cluster image scanning report holds operational findings; CI pipelines report development findings themselves",
            );
          }
          filter = { ...filter, reportType: "operational" };
        }
        const records = await collect(deps, filter);
        const groups = await reportImages(records, deps.images);
        const now = deps.now();
        if (format === "gitlab") {
          const report = renderGitlabClusterImageScanning({
            scan: await scanInfo(deps, records, now),
            tool: { version: deps.version },
            images: gitlabClusterImages(groups),
          });
          return c.body(report, 200, headers);
        }
        if (format === "sarif") return c.body(sarifOf(groups, deps.version, now), 200, headers);
        if (groups.length !== 1) {
          throw badInput(
            "query.image_digest",
            groups.length === 0
              ? "no findings under this filter: a CycloneDX document describes one image's findings"
              : `the findings are in ${groups.length} images; a CycloneDX document describes one: add image_digest`,
          );
        }
        const group = groups[0]!;
        const { matches, suppressed } = splitDismissed(group);
        return c.body(
          renderCycloneDxVulnerabilities({
            image: group.image,
            inventory: group.inventory,
            matches,
            suppressed,
            now,
            toolVersion: deps.version,
          }),
          200,
          headers,
        );
      },
    },
  ];
}

async function* pages(deps: ApiRouteDeps, filter: FindingFilter): AsyncGenerator<readonly FindingRecord[]> {
  let cursor: string | undefined;
  do {
    const page = await deps.findings.query({ ...filter, limit: EXPORT_PAGE, ...(cursor ? { cursor } : {}) });
    yield page.items;
    cursor = page.nextCursor;
  } while (cursor !== undefined);
}

/** The CSV, one page read per chunk sent, so a large export never sits in memory. */
function csvStream(deps: ApiRouteDeps, filter: FindingFilter): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const source = pages(deps, filter);
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(csvHeader()));
        return;
      }
      const next = await source.next();
      if (next.done) {
        controller.close();
        return;
      }
      controller.enqueue(encoder.encode(next.value.map(csvRow).join("")));
    },
    async cancel() {
      await source.return(undefined);
    },
  });
}

async function collect(deps: ApiRouteDeps, filter: FindingFilter): Promise<FindingRecord[]> {
  const records: FindingRecord[] = [];
  for await (const page of pages(deps, filter)) {
    records.push(...page);
    if (records.length > MAX_REPORT_FINDINGS) {
      throw badInput(
        "query",
        `more than ${MAX_REPORT_FINDINGS} findings; narrow the filter (cluster, namespace ...)`,
      );
    }
  }
  return records;
}

/**
 * `scan` of the GitLab report: from the first to the last detection of the findings, and
 * `failure` (with a message each) unless the last scan of every cluster they come from was
 * complete, so that GitLab does not read a missing finding as fixed.
 */
async function scanInfo(
  deps: ApiRouteDeps,
  records: readonly FindingRecord[],
  now: Date,
): Promise<GitlabScanInfo> {
  const clusterIds = [...new Set(records.map((r) => r.identity.clusterId))].sort();
  const messages: GitlabScanMessage[] = [];
  const times = records.map((r) => Date.parse(r.lastSeen));
  for (const id of clusterIds) {
    const cluster = await deps.clusters.get(id);
    if (cluster?.lastScanAt) times.push(Date.parse(cluster.lastScanAt));
    if (cluster?.lastScanStatus !== "complete") {
      messages.push({
        level: "warn",
        value: `cluster ${id}: the last scan is ${cluster?.lastScanStatus ?? "unknown"}, not complete; findings may be missing`,
      });
    }
  }
  const start = times.length > 0 ? new Date(Math.min(...times)) : now;
  const end = times.length > 0 ? new Date(Math.max(...times)) : now;
  return {
    startTime: start,
    endTime: end,
    status: messages.length === 0 ? "success" : "failure",
    ...(messages.length > 0 ? { messages } : {}),
  };
}

/** One SARIF log with a run per image (SARIF allows several runs; code scanning keeps them apart by category). */
function sarifOf(groups: readonly ReportImage[], version: string, now: Date): string {
  const runs = groups.flatMap((group) => {
    const { matches, suppressed } = splitDismissed(group);
    const name = group.image.repository ?? group.image.reference;
    return buildSarif({
      image: group.image,
      inventory: group.inventory,
      matches,
      suppressed,
      tool: { version },
      now,
      category: `vigil/${name}/${group.image.platform.os}-${group.image.platform.architecture}/`,
    }).runs;
  });
  type SarifRun = SarifLog["runs"][number];
  const empty: SarifRun = {
    tool: { driver: { name: "Vigil", version, rules: [] } },
    invocations: [{ executionSuccessful: true, endTimeUtc: now.toISOString() }],
    artifacts: [],
    results: [],
  };
  const log: Omit<SarifLog, "runs"> & { readonly runs: readonly SarifRun[] } = {
    $schema: SARIF_SCHEMA_URI,
    version: "2.1.0",
    runs: runs.length > 0 ? runs : [empty],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
