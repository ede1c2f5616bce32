import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import {
  type CustomObjectReader,
  convertTrivyReports,
  type LocatedIssue,
  listTrivyReports,
  renderGitlabClusterImageScanning,
  renderTrivyImportJson,
  renderTrivyImportTable,
  resolveTrivyWorkloads,
  type TrivyImportResult,
  trivyGitlabImages,
} from "@vigil/core";
import { createCustomObjectReader, createKubernetesClientReader } from "@vigil/server";
import { CliError } from "../cli-error.js";
import { TOOL_VERSION } from "../tool-version.js";
import { clusterCommandError, loadCliKubeConfig } from "./cluster-connection.js";

export const IMPORT_HELP = `Usage: vigil import trivy-operator [options]

Import the findings of other scanners, as Vigil reports.

  trivy-operator   the VulnerabilityReports (and ClusterVulnerabilityReports) the Trivy
                   Operator keeps in a cluster

Run \`vigil import trivy-operator --help\` for its options.`;

export const IMPORT_TRIVY_OPERATOR_HELP = `Usage: vigil import trivy-operator [options]

Read the vulnerability reports the Trivy Operator (or Starboard) keeps in a Kubernetes
cluster and write them as Vigil's reports: no image is pulled, no advisory database is
needed. Reports name the workloads as \`vigil scan cluster\` does: a ReplicaSet's report
goes to its Deployment, a Job's to its CronJob. Read-only access is enough: list on
vulnerabilityreports and clustervulnerabilityreports.aquasecurity.github.io, get (and
optionally list) on replicasets.apps and jobs.batch (see deploy/rbac.yaml).

Options:
  --kubeconfig FILE   kubeconfig to use (default: $KUBECONFIG or ~/.kube/config)
  --context NAME      context to read (default: the current context)
  --cluster-id ID     id of the cluster in the report (default: the context name)
  --agent-id ID       the agent id written into GitLab reports
  --namespace NS      read only these namespaces (repeatable; default: all namespaces
                      and the cluster-scoped ClusterVulnerabilityReports)
  --format FORMAT     table (default), json, gitlab-cluster (cluster_image_scanning)
  --output FILE       write the report to FILE instead of standard output
  --debug             show stack traces on failure

Problems with single reports are printed as warnings on standard error; the import goes on.

Exit codes: 0 imported, no vulnerabilities; 1 vulnerabilities; 2 the import failed or was
partial (Trivy Operator not installed, a list forbidden or failed).`;

const FORMATS = ["table", "json", "gitlab-cluster"] as const;
type Format = (typeof FORMATS)[number];

const TRIVY_CRD = "vulnerabilityreports.aquasecurity.github.io";

/** `vigil import`: dispatches to the importer named by its first argument. */
export async function runImport(argv: readonly string[]): Promise<number> {
  const [source, ...rest] = argv;
  if (source === undefined || source === "--help" || source === "-h") {
    process.stdout.write(`${IMPORT_HELP}\n`);
    return 0;
  }
  if (source !== "trivy-operator") {
    throw new CliError(
      `unknown import source ${JSON.stringify(source)}`,
      "Run `vigil import --help` to list what can be imported.",
    );
  }
  return runImportTrivyOperator(rest);
}

/** `vigil import trivy-operator`. */
async function runImportTrivyOperator(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      kubeconfig: { type: "string" },
      context: { type: "string" },
      "cluster-id": { type: "string" },
      "agent-id": { type: "string" },
      namespace: { type: "string", multiple: true, default: [] as string[] },
      format: { type: "string", default: "table" },
      output: { type: "string" },
      debug: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${IMPORT_TRIVY_OPERATOR_HELP}\n`);
    return 0;
  }
  if (positionals.length > 0) {
    throw new CliError(
      `vigil import trivy-operator takes no positional arguments (got ${JSON.stringify(positionals[0])})`,
      "Name the cluster with --context and namespaces with --namespace.",
    );
  }
  const format = values.format as Format;
  if (!FORMATS.includes(format)) {
    throw new CliError(
      `--format ${JSON.stringify(values.format)} is not available for imports`,
      `Use one of: ${FORMATS.join(", ")}.`,
    );
  }

  if (values.namespace.some((n) => n.trim() === "")) {
    throw new CliError("--namespace needs a namespace name", "Leave --namespace out to read all namespaces.");
  }

  const loaded = loadCliKubeConfig(values.kubeconfig, values.context);
  const clusterId = values["cluster-id"] ?? loaded.clusterId;
  const namespaces = [...new Set(values.namespace)];
  const cluster = `cluster ${clusterId} (${loaded.server})`;
  const startedAt = new Date();

  let result: TrivyImportResult;
  let listingErrors: LocatedIssue[];
  let warnings: LocatedIssue[];
  try {
    const listing = await listAll(createCustomObjectReader(loaded.kubeConfig), namespaces, cluster);
    listingErrors = listing.issues.filter((i) => i.severity === "error");
    if (!listing.complete && listing.objects.length === 0) {
      const scope = namespaces.length > 0 ? `--namespace ${namespaces[0]}` : "--all-namespaces";
      throw new CliError(
        `cannot import Trivy Operator reports from ${cluster}:${listingErrors.map((i) => `\n  ${i.message}`).join("")}`,
        listingErrors.some((i) => i.code === "trivy-operator-forbidden")
          ? `Check what the kubeconfig context may do: kubectl auth can-i list ${TRIVY_CRD} ${scope}`
          : undefined,
      );
    }
    const converted = convertTrivyReports(listing.objects);
    const resolved = await resolveTrivyWorkloads(converted.reports, {
      reader: createKubernetesClientReader(loaded.kubeConfig),
    });
    result = {
      clusterId,
      ...(values["agent-id"] ? { agentId: values["agent-id"] } : {}),
      status: listing.complete ? "complete" : "partial",
      startedAt,
      finishedAt: new Date(),
      reports: resolved.reports,
      issues: [...listing.issues, ...converted.issues, ...resolved.issues],
    };
    // A report that could not be read, or doubtful data, is worth a line; an empty report is
    // not. Every failed owner lookup is: its findings are then not under the workload
    // `vigil scan cluster` names.
    warnings = [...converted.issues.filter((i) => i.severity !== "info"), ...resolved.issues];
  } catch (error) {
    throw clusterCommandError(error, `cannot import Trivy Operator reports from ${cluster}`);
  }

  const rendered = render(format, result, listingErrors);
  if (values.output) await writeFile(values.output, rendered.text);
  else process.stdout.write(rendered.text);

  for (const issue of [...warnings, ...rendered.issues]) warn(issue.message);
  for (const issue of listingErrors) printLine(`vigil: error: ${issue.message}`);
  if (result.status !== "complete") {
    warn(`${cluster}: the import is partial: a report's absence says nothing about its workload`);
    return 2;
  }
  return result.reports.some((r) => r.matches.length > 0) ? 1 : 0;
}

/**
 * List every namespace asked for (or all namespaces and the cluster-scoped reports), one after
 * the other. A cluster without the Trivy Operator's resources ends the import.
 */
async function listAll(
  reader: CustomObjectReader,
  namespaces: readonly string[],
  cluster: string,
): Promise<{ objects: unknown[]; issues: LocatedIssue[]; complete: boolean }> {
  const objects: unknown[] = [];
  const issues: LocatedIssue[] = [];
  let complete = true;
  for (const namespace of namespaces.length > 0 ? namespaces : [undefined]) {
    const listing = await listTrivyReports(reader, namespace !== undefined ? { namespace } : {});
    const notInstalled = listing.issues.find((i) => i.code === "trivy-operator-not-installed");
    if (notInstalled) {
      throw new CliError(
        `${cluster}: ${notInstalled.message}`,
        `Vigil found no ${TRIVY_CRD} resource to read. Install the Trivy Operator ` +
          "(https://aquasecurity.github.io/trivy-operator/) to import its reports, or scan the " +
          "cluster's images with `vigil scan cluster`.",
      );
    }
    objects.push(...listing.objects);
    issues.push(...listing.issues);
    complete &&= listing.complete;
  }
  return { objects, issues, complete };
}

function render(
  format: Format,
  result: TrivyImportResult,
  listingErrors: readonly LocatedIssue[],
): { readonly text: string; readonly issues: readonly LocatedIssue[] } {
  switch (format) {
    case "json":
      return { text: renderTrivyImportJson(result, TOOL_VERSION), issues: [] };
    case "gitlab-cluster": {
      const { images, issues } = trivyGitlabImages(result.reports, {
        clusterId: result.clusterId,
        ...(result.agentId ? { agentId: result.agentId } : {}),
      });
      const text = renderGitlabClusterImageScanning({
        images,
        scan: {
          startTime: result.startedAt,
          endTime: result.finishedAt,
          status: result.status === "complete" ? "success" : "failure",
          ...(listingErrors.length > 0
            ? { messages: listingErrors.map((i) => ({ level: "warn" as const, value: i.message })) }
            : {}),
        },
        tool: { version: TOOL_VERSION },
      });
      return { text, issues };
    }
    default:
      return { text: renderTrivyImportTable(result), issues: [] };
  }
}

function warn(message: string): void {
  printLine(`vigil: warning: ${message}`);
}

/**
 * Messages quote names and labels read from the cluster: control characters are escaped so that
 * no object can drive the terminal.
 */
function printLine(line: string): void {
  const safe = line.replace(/\p{Cc}/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  process.stderr.write(`${safe}\n`);
}
