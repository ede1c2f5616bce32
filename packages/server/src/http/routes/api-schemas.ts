import { DISMISSAL_REASONS, FINDING_STATES, SEVERITY_LEVELS } from "@vigil/core";
import type { JsonSchema, ParameterDefinition } from "../route-definition.js";

/**
 * JSON Schemas of what the resource routes take and answer, for the OpenAPI document. They
 * describe the records the store returns (`ClusterRecord`, `FindingRecord` ...), serialized as
 * JSON unchanged: optional fields are absent, never null.
 */

const string: JsonSchema = { type: "string" };
const time: JsonSchema = { type: "string", format: "date-time" };
const strings: JsonSchema = { type: "array", items: string };

/** A severity level. */
export const severitySchema: JsonSchema = { type: "string", enum: [...SEVERITY_LEVELS] };

/** A finding state. */
export const findingStateSchema: JsonSchema = { type: "string", enum: [...FINDING_STATES] };

/** A dismissal reason (GitLab's). */
export const dismissalReasonSchema: JsonSchema = { type: "string", enum: [...DISMISSAL_REASONS] };

/** `{error: {status, message, details}}`, every error answer. */
export const errorSchema: JsonSchema = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["status", "message"],
      properties: {
        status: { type: "integer" },
        message: string,
        details: { description: "What was refused, e.g. `{field, reason}` or `{problems: [...]}`" },
      },
    },
  },
};

/** Findings per severity and in total. */
export const countsSchema: JsonSchema = {
  type: "object",
  required: ["total", "bySeverity"],
  properties: {
    total: { type: "integer" },
    bySeverity: {
      type: "object",
      properties: Object.fromEntries(SEVERITY_LEVELS.map((level) => [level, { type: "integer" }])),
    },
  },
};

/** A cluster as configured, with its last scan. */
export const clusterSchema: JsonSchema = {
  type: "object",
  required: ["id", "name", "connectionKind", "createdAt"],
  properties: {
    id: string,
    name: string,
    connectionKind: { type: "string", enum: ["kubeconfig", "agent"] },
    kubeconfigContext: string,
    createdAt: time,
    lastScanAt: time,
    lastScanStatus: string,
  },
};

/** A cluster with its open (detected or confirmed) operational findings per severity. */
export const clusterWithCountsSchema: JsonSchema = {
  ...clusterSchema,
  required: [...(clusterSchema.required as string[]), "openFindings"],
  properties: { ...(clusterSchema.properties as object), openFindings: countsSchema },
};

/** A workload container as a scan last saw it. */
export const workloadContainerSchema: JsonSchema = {
  type: "object",
  required: ["clusterId", "namespace", "workloadKind", "workloadName", "containerName", "digest", "image"],
  properties: {
    clusterId: string,
    namespace: string,
    workloadKind: string,
    workloadName: string,
    containerName: string,
    digest: string,
    image: string,
    runningSince: { ...time, description: "Since when this digest has run in it, when known" },
    lastSeenAt: time,
  },
};

/** A parsed scan execution policy (rules and actions as the YAML gives them). */
const parsedPolicySchema: JsonSchema = {
  type: "object",
  properties: {
    name: string,
    description: string,
    enabled: { type: "boolean" },
    rules: {
      type: "array",
      items: {
        type: "object",
        properties: {
          type: { const: "schedule" },
          cadence: string,
          timezone: string,
          scopes: {
            type: "array",
            items: { type: "object", properties: { cluster: string, namespaces: strings } },
          },
        },
      },
    },
    actions: {
      type: "array",
      items: { type: "object", properties: { scan: string, severityThreshold: severitySchema } },
    },
  },
};

/** A located problem of a policy document (`parsePolicies`). */
export const policyIssueSchema: JsonSchema = {
  type: "object",
  required: ["severity", "code", "line", "column", "path", "reason"],
  properties: {
    severity: { type: "string", enum: ["error", "warning"] },
    code: string,
    source: string,
    line: { type: "integer", minimum: 1 },
    column: { type: "integer", minimum: 1 },
    path: string,
    reason: string,
  },
};

/** A stored policy with its parsed form and next run. */
export const policySchema: JsonSchema = {
  type: "object",
  required: ["id", "name", "enabled", "cadence", "timezone", "clusters", "namespaces", "yaml", "policy"],
  properties: {
    id: string,
    name: string,
    enabled: { type: "boolean" },
    cadence: { ...string, description: "The first rule's cadence (the YAML has every rule)" },
    timezone: string,
    clusters: { ...strings, description: "Every cluster the rules name" },
    namespaces: { ...strings, description: "Every namespace the rules name; empty: all" },
    severityThreshold: severitySchema,
    yaml: { ...string, description: "The policy as written" },
    createdAt: time,
    updatedAt: time,
    lastRunAt: time,
    nextRunAt: { ...time, description: "When it runs next; absent while disabled" },
    policy: parsedPolicySchema,
    warnings: { type: "array", items: policyIssueSchema },
  },
};

/** The YAML of one scan execution policy (GitLab's shape). */
export const policyYamlSchema: JsonSchema = {
  type: "string",
  description:
    "One scan execution policy in GitLab's YAML shape: a policy mapping, a one-item list, or `scan_execution_policy:` with one policy",
};

const scanScopeSchema: JsonSchema = { type: "object", properties: { namespaces: strings } };

/** A scan as stored. */
export const scanSchema: JsonSchema = {
  type: "object",
  required: ["id", "clusterId", "trigger", "scope", "status", "createdAt"],
  properties: {
    id: string,
    clusterId: string,
    policyId: string,
    trigger: { type: "string", enum: ["schedule", "manual", "advisory-update", "agent"] },
    scope: scanScopeSchema,
    status: {
      type: "string",
      enum: ["queued", "running", "complete", "partial", "failed", "interrupted", "cancelled"],
    },
    createdAt: time,
    startedAt: time,
    finishedAt: time,
    summary: { type: "object" },
    failures: {
      type: "array",
      items: {
        type: "object",
        properties: { scope: string, subject: string, reason: string },
      },
    },
    error: string,
  },
};

/** A scan with the images it looked at. */
export const scanWithImagesSchema: JsonSchema = {
  ...scanSchema,
  properties: {
    ...(scanSchema.properties as object),
    images: {
      type: "array",
      items: {
        type: "object",
        required: ["digest", "reference", "status"],
        properties: {
          digest: string,
          reference: string,
          status: { type: "string", enum: ["complete", "partial", "failed"] },
          error: string,
          fromCache: { type: "string", enum: ["matches", "inventory"] },
          durationMs: { type: "number" },
        },
      },
    },
  },
};

/** A finding as stored (`FindingRecord`). */
export const findingSchema: JsonSchema = {
  type: "object",
  required: ["id", "identity", "reportType", "state", "details", "kev", "firstSeen", "lastSeen"],
  properties: {
    id: string,
    identity: {
      type: "object",
      description: "What makes it the same finding from one scan to the next",
      properties: {
        clusterId: string,
        namespace: string,
        workloadKind: string,
        workloadName: string,
        containerName: string,
        packageName: string,
        advisoryId: string,
      },
    },
    reportType: { type: "string", enum: ["operational", "development"] },
    project: string,
    branch: string,
    state: findingStateSchema,
    dismissal: {
      type: "object",
      properties: { reason: dismissalReasonSchema, comment: string },
    },
    details: {
      type: "object",
      description: "What the latest detection saw",
      properties: {
        imageDigest: string,
        image: string,
        packageType: string,
        packageVersion: string,
        purl: string,
        path: string,
        layerDigest: string,
        fixedVersion: string,
        matchStatus: { type: "string", enum: ["fixed", "affected", "will-not-fix"] },
        severity: {
          type: "object",
          properties: {
            level: severitySchema,
            source: string,
            score: { type: "number" },
            vector: string,
            raw: string,
          },
        },
        aliases: strings,
      },
    },
    kev: { type: "boolean" },
    epss: { type: "number" },
    firstSeen: time,
    lastSeen: time,
    runningSince: time,
    resolvedAt: time,
    noLongerDetected: { type: "boolean" },
    rowVersion: { type: "integer", description: "Increases with every change of the finding" },
  },
};

/** One history entry of a finding. */
export const historyEntrySchema: JsonSchema = {
  type: "object",
  required: ["id", "findingId", "at", "actor", "to"],
  properties: {
    id: { type: "integer" },
    findingId: string,
    at: time,
    actor: {
      type: "object",
      properties: { type: { type: "string", enum: ["system", "user"] }, id: string },
    },
    from: findingStateSchema,
    to: findingStateSchema,
    reason: dismissalReasonSchema,
    comment: string,
    scanId: string,
  },
};

/** A severity as an advisory gives it (`AdvisorySeverity`). */
const advisorySeveritySchema: JsonSchema = {
  type: "object",
  required: ["level", "source"],
  properties: {
    level: severitySchema,
    source: { ...string, description: "Whose rating it is: nvd, ghsa, a distribution ..." },
    score: { type: "number", description: "CVSS base score" },
    vector: { ...string, description: "The CVSS vector the score came from" },
    raw: { ...string, description: "The rating as the source wrote it" },
  },
};

/** Why a finding matched: the explaining fields of its stored match (`MatchExplanation`). */
export const matchExplanationSchema: JsonSchema = {
  type: "object",
  required: [
    "advisoryIds",
    "aliases",
    "matchedVia",
    "matchedName",
    "matchedVersion",
    "ecosystem",
    "comparator",
    "range",
    "status",
    "severity",
    "references",
  ],
  properties: {
    advisoryIds: { ...strings, description: "The advisories that matched; the first gave the details" },
    aliases: { ...strings, description: "Every other id of the vulnerability" },
    matchedVia: {
      type: "string",
      enum: ["binary", "source"],
      description: "Matched through the installed package's name, or its source package's",
    },
    matchedName: { ...string, description: "The package name the advisory names" },
    matchedVersion: { ...string, description: "The version compared (the source version when via source)" },
    ecosystem: { ...string, description: "The advisory's affected ecosystem that matched, e.g. `Debian:12`" },
    comparator: { ...string, description: "The version scheme compared with, e.g. `deb`" },
    range: {
      type: "object",
      description:
        "`range`: the interval (`introduced` … `fixed` or `lastAffected`) that holds the version; `versions`: an explicit list named it",
      required: ["kind"],
      properties: {
        kind: { type: "string", enum: ["range", "versions"] },
        rangeIndex: { type: "integer" },
        rangeType: string,
        introduced: string,
        fixed: string,
        lastAffected: string,
        version: string,
      },
    },
    fixedVersion: string,
    status: { type: "string", enum: ["fixed", "affected", "will-not-fix"] },
    severity: advisorySeveritySchema,
    summary: string,
    description: string,
    references: strings,
    kev: {
      type: "object",
      description: "Listed in CISA's Known Exploited Vulnerabilities catalog",
      properties: { dateAdded: string, dueDate: string, ransomware: { type: "boolean" } },
    },
    epss: {
      type: "object",
      description: "FIRST EPSS probability of exploitation in the next 30 days",
      properties: { score: { type: "number" }, percentile: { type: "number" }, date: string },
    },
  },
};

/** A workload container, in any cluster, that runs a finding's image. */
export const sameImageContainerSchema: JsonSchema = {
  type: "object",
  required: [
    "clusterId",
    "clusterName",
    "namespace",
    "workloadKind",
    "workloadName",
    "containerName",
    "image",
    "lastSeenAt",
  ],
  properties: {
    clusterId: string,
    clusterName: string,
    namespace: string,
    workloadKind: string,
    workloadName: string,
    containerName: string,
    image: { ...string, description: "The image as the pod spec writes it" },
    runningSince: { ...time, description: "Since when this digest has run in it, when known" },
    lastSeenAt: time,
  },
};

/** One finding as its page shows it (`FindingDetail`). */
export const findingDetailSchema: JsonSchema = {
  ...findingSchema,
  required: [...(findingSchema.required as string[]), "history", "sameImage", "sameImageTruncated"],
  properties: {
    ...(findingSchema.properties as object),
    history: { type: "array", items: historyEntrySchema, description: "Every state change, oldest first" },
    match: {
      ...matchExplanationSchema,
      description: "Why it matched; absent when the image or its match is not stored",
    },
    sameImage: {
      type: "array",
      items: sameImageContainerSchema,
      description: "Every workload container, in any cluster, that runs `details.imageDigest` (at most 200)",
    },
    sameImageTruncated: { type: "boolean", description: "More containers run the image than listed" },
  },
};

/** A page of items with the cursor of the next. */
export function pageSchema(items: JsonSchema, extra: Record<string, JsonSchema> = {}): JsonSchema {
  return {
    type: "object",
    required: ["items"],
    properties: {
      items: { type: "array", items },
      nextCursor: { ...string, description: "Pass as `cursor` for the next page; absent on the last" },
      ...extra,
    },
  };
}

/** The `cursor` query parameter of a keyset-paginated list (see {@link pageSchema}). */
export function cursorParameter(description = "`nextCursor` of the previous page"): ParameterDefinition {
  return { name: "cursor", in: "query", description, schema: string };
}

/** The `:id` path parameter. */
export function idParameter(description: string): ParameterDefinition {
  return { name: "id", in: "path", description, schema: string };
}

/** The error answers every route may give, besides its own. */
export function errorResponses(
  statuses: Readonly<Record<number, string>>,
): Record<number, { description: string; schema: JsonSchema }> {
  return Object.fromEntries(
    Object.entries(statuses).map(([status, description]) => [status, { description, schema: errorSchema }]),
  );
}
