import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import {
  advisoryRevision,
  type ClusterScanResult,
  compareSeverity,
  createDirectoryImageCache,
  createDirectoryLayerCache,
  gitlabImagesOfClusterScans,
  gitlabScanInfoOfClusterScans,
  parsePlatform,
  parseSeverityLevel,
  renderClusterScanJson,
  renderClusterScanTable,
  renderGitlabClusterImageScanning,
  scanCluster,
} from "@vigil/core";
import { createKubernetesClientReader } from "@vigil/server";
import { CliError } from "../cli-error.js";
import { openCliStore } from "../db/open-store.js";
import { TOOL_VERSION } from "../tool-version.js";
import { clusterCommandError, loadCliKubeConfig } from "./cluster-connection.js";
import { cacheDirOf } from "./image-options.js";
import {
  REGISTRY_LIMIT_OPTIONS,
  REGISTRY_LIMIT_OPTIONS_HELP,
  registryLimitsOf,
} from "./registry-limit-options.js";

export const SCAN_CLUSTER_HELP = `Usage: vigil scan cluster [options]

Scan the images that the running containers of one or more Kubernetes clusters were
started from: every running container, init container and ephemeral container, by the
digest the node runs. Each digest is pulled and scanned once, with the pull secrets the
pods already name; no other credentials are needed. Read-only access is enough: see
deploy/rbac.yaml.

Options:
  --kubeconfig FILE          kubeconfig to use (default: $KUBECONFIG or ~/.kube/config)
  --context NAME             context to scan (repeatable; default: the current context)
  --cluster-id ID            id of each cluster in the report, in --context order
                             (default: the context name)
  --agent-id ID              the agent id written into GitLab reports
  --namespace NS             scan only these namespaces (repeatable; default: all)
  --exclude-namespace NS     leave these namespaces out (repeatable)
  --selector LABELS          only pods matching a label selector, e.g. app=web
  --concurrency N            image scans at once (default 2)
  --format FORMAT            table (default), json, gitlab-cluster (cluster_image_scanning)
  --output FILE              write the report to FILE instead of standard output
  --severity-threshold LEVEL exit 1 only for findings at or above LEVEL (default unknown)
  --ignore-unfixed           leave out vulnerabilities without a fixed version
  --allow-partial            exit 0/1 even when a namespace or image could not be scanned
  --platform OS/ARCH[/VAR]   platform to pick from multi-platform images (default linux/amd64)
  --insecure-registry HOST   talk plain HTTP to HOST (repeatable)
  --registry-config FILE     extra registry credentials (config.json), used only where
                             no pull secret applies
  --ca-file FILE             extra CA certificates (PEM) to trust for registries
  --cache-dir DIR            layer and image cache (default: $VIGIL_CACHE_DIR or ~/.cache/vigil)
  --no-cache                 read every layer, use no cache
${REGISTRY_LIMIT_OPTIONS_HELP}
  --debug                    show stack traces on failure

Exit codes: 0 no finding at or above the threshold, 1 findings, 2 the scan failed or was
partial (a forbidden namespace, an image that could not be pulled) without --allow-partial.`;

const FORMATS = ["table", "json", "gitlab-cluster"] as const;
type Format = (typeof FORMATS)[number];

/** `vigil scan cluster`. */
export async function runScanCluster(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      kubeconfig: { type: "string" },
      context: { type: "string", multiple: true, default: [] as string[] },
      "cluster-id": { type: "string", multiple: true, default: [] as string[] },
      "agent-id": { type: "string" },
      namespace: { type: "string", multiple: true, default: [] as string[] },
      "exclude-namespace": { type: "string", multiple: true, default: [] as string[] },
      selector: { type: "string", short: "l" },
      concurrency: { type: "string", default: "2" },
      format: { type: "string", default: "table" },
      output: { type: "string" },
      "severity-threshold": { type: "string", default: "unknown" },
      "ignore-unfixed": { type: "boolean", default: false },
      "allow-partial": { type: "boolean", default: false },
      platform: { type: "string" },
      "insecure-registry": { type: "string", multiple: true, default: [] as string[] },
      "registry-config": { type: "string" },
      "ca-file": { type: "string" },
      "cache-dir": { type: "string" },
      "no-cache": { type: "boolean", default: false },
      ...REGISTRY_LIMIT_OPTIONS,
      debug: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${SCAN_CLUSTER_HELP}\n`);
    return 0;
  }
  if (positionals.length > 0) {
    throw new CliError(
      `vigil scan cluster takes no positional arguments (got ${JSON.stringify(positionals[0])})`,
      "Name clusters with --context.",
    );
  }
  const format = values.format as Format;
  if (!FORMATS.includes(format)) {
    throw new CliError(
      `--format ${JSON.stringify(values.format)} is not available for cluster scans`,
      `Use one of: ${FORMATS.join(", ")}. (Single-image formats: vigil scan image.)`,
    );
  }
  const threshold = parseSeverityLevel(values["severity-threshold"]);
  if (!threshold) {
    throw new CliError(
      `unknown --severity-threshold ${JSON.stringify(values["severity-threshold"])}`,
      "Use unknown, negligible, low, medium, high or critical.",
    );
  }
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new CliError(
      `--concurrency must be a whole number from 1 to 64, not ${JSON.stringify(values.concurrency)}`,
    );
  }
  // One set for every cluster this run scans: they may pull from the same registries.
  const registryLimits = registryLimitsOf(values);
  const contexts = values.context.length > 0 ? values.context : [undefined];
  if (values["cluster-id"].length > 0 && values["cluster-id"].length !== contexts.length) {
    throw new CliError(
      `${values["cluster-id"].length} --cluster-id for ${contexts.length} contexts`,
      "Give one --cluster-id per --context, in the same order, or none.",
    );
  }

  const clusters = contexts.map((context, i) => {
    const loaded = loadCliKubeConfig(values.kubeconfig, context);
    return { loaded, clusterId: values["cluster-id"][i] ?? loaded.clusterId };
  });

  const { database, store } = await openCliStore();
  try {
    const sources = await store.sources();
    if (!sources.some((s) => s.lastSuccessAt && s.name !== "kev" && s.name !== "epss")) {
      warn(
        "the advisory database is empty, so no vulnerability can be found: run `vigil db update` or `vigil db import PATH`",
      );
    }
    const cacheDir = cacheDirOf(values);
    const revision = await advisoryRevision(store);
    const results: ClusterScanResult[] = [];
    for (const { loaded, clusterId } of clusters) {
      try {
        results.push(
          await scanCluster({
            reader: createKubernetesClientReader(loaded.kubeConfig),
            clusterId,
            ...(values["agent-id"] ? { agentId: values["agent-id"] } : {}),
            namespaces: values.namespace,
            excludeNamespaces: values["exclude-namespace"],
            ...(values.selector ? { labelSelector: values.selector } : {}),
            concurrency,
            advisories: store,
            advisoryRevision: revision,
            insecureRegistries: values["insecure-registry"],
            registryLimits,
            // The cluster's pull secrets come first; the user's own config only if asked for.
            ...(values["registry-config"] ? { registryConfigFile: values["registry-config"] } : {}),
            ...(values["ca-file"] ? { caFile: values["ca-file"] } : {}),
            ...(values.platform ? { platform: parsePlatform(values.platform) } : {}),
            ...(cacheDir
              ? {
                  cache: createDirectoryLayerCache(cacheDir),
                  imageCache: createDirectoryImageCache(cacheDir),
                }
              : {}),
            onDiscovered: (discovery, targets) => {
              if (process.stderr.isTTY) {
                process.stderr.write(
                  `vigil: ${clusterId}: ${discovery.stats.pods} pods, ${discovery.stats.containers} running containers, ${targets.length} distinct images\n`,
                );
              }
            },
          }),
        );
      } catch (error) {
        throw clusterCommandError(error, `cannot scan cluster ${clusterId} (${loaded.server})`);
      }
    }
    const filtered = values["ignore-unfixed"] ? results.map(withoutUnfixed) : results;
    const text = render(format, filtered);
    if (values.output) await writeFile(values.output, text);
    else process.stdout.write(text);

    const incomplete = filtered.filter((r) => r.status !== "complete");
    if (incomplete.length > 0 && format !== "table") {
      for (const r of incomplete)
        warn(
          `cluster ${r.clusterId}: the scan is ${r.status}, ${r.failures.length} failures (see the report)`,
        );
    }
    if (incomplete.length > 0 && !values["allow-partial"]) return 2;
    const found = filtered.some((r) =>
      r.images.some((s) =>
        s.result.matches?.matches.some((m) => compareSeverity(m.severity.level, threshold) >= 0),
      ),
    );
    return found ? 1 : 0;
  } finally {
    await database.close();
  }
}

function render(format: Format, results: readonly ClusterScanResult[]): string {
  switch (format) {
    case "json":
      return renderClusterScanJson(results, TOOL_VERSION);
    case "gitlab-cluster":
      return renderGitlabClusterImageScanning({
        images: gitlabImagesOfClusterScans(results),
        scan: gitlabScanInfoOfClusterScans(results),
        tool: { version: TOOL_VERSION },
      });
    default:
      return renderClusterScanTable(results);
  }
}

function withoutUnfixed(result: ClusterScanResult): ClusterScanResult {
  return {
    ...result,
    images: result.images.map((scan) =>
      scan.result.matches
        ? {
            ...scan,
            result: {
              ...scan.result,
              matches: {
                ...scan.result.matches,
                matches: scan.result.matches.matches.filter((m) => m.status === "fixed"),
              },
            },
          }
        : scan,
    ),
  };
}

function warn(message: string): void {
  process.stderr.write(`vigil: warning: ${message}\n`);
}
