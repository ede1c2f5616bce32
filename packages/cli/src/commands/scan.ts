import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import {
  applySuppressions,
  compareSeverity,
  createDirectoryLayerCache,
  formatSuppressionProblem,
  type IgnoreRule,
  type Match,
  parseIgnoreFile,
  parseSeverityLevel,
  parseVex,
  renderCycloneDxVex,
  renderCycloneDxVulnerabilities,
  renderGitlabClusterImageScanning,
  renderGitlabContainerScanning,
  renderMatchesTable,
  renderSarif,
  renderScanJson,
  type SeverityLevel,
  scanImage,
  type VexStatement,
} from "@vigil/core";
import { CliError } from "../cli-error.js";
import { openCliStore } from "../db/open-store.js";
import { staleWarnings } from "../db/store-age.js";
import { createProgressDisplay } from "../progress.js";
import { TOOL_VERSION } from "../tool-version.js";
import {
  cacheDirOf,
  IMAGE_OPTIONS,
  IMAGE_OPTIONS_HELP,
  imageErrorHint,
  imageSourceOptions,
} from "./image-options.js";

export const SCAN_HELP = `Usage: vigil scan image IMAGE [options]
       vigil scan cluster [options]   (see vigil scan cluster --help)

Scan an image for known vulnerabilities in its OS and language packages, using the
advisory database (\`vigil db update\` or \`vigil db import\` fills it).

IMAGE is a registry reference or oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE.

Options:
  --format FORMAT            table (default), json, gitlab (container_scanning),
                             gitlab-cluster (cluster_image_scanning), sarif,
                             cyclonedx (SBOM with vulnerabilities), cyclonedx-vex
  --output FILE              write the report to FILE instead of standard output
  --severity-threshold LEVEL exit 1 only for findings at or above LEVEL
                             (unknown, negligible, low, medium, high, critical; default unknown)
  --ignore-unfixed           leave out vulnerabilities without a fixed version
  --ignore-file FILE         ignore rules (default: ./.vigilignore.yaml when present)
  --vex FILE                 OpenVEX or CycloneDX VEX statements (repeatable)
  --offline                  fail instead of warning when there is no advisory data
  --namespace NS --kind KIND --name NAME --container-name C [--cluster-id ID] [--agent-id ID]
                             the workload, for --format gitlab-cluster
${IMAGE_OPTIONS_HELP}
  --debug                    show stack traces on failure

Exit codes: 0 no finding at or above the threshold, 1 findings, 2 the scan failed.`;

const FORMATS = ["table", "json", "gitlab", "gitlab-cluster", "sarif", "cyclonedx", "cyclonedx-vex"] as const;
type Format = (typeof FORMATS)[number];

/** Advisory data older than this (days) is reported on every scan; `VIGIL_DB_MAX_AGE_DAYS` changes it. */
const DEFAULT_MAX_AGE_DAYS = 7;

/** `vigil scan image`. */
export async function runScan(argv: readonly string[]): Promise<number> {
  const [target, ...rest] = argv;
  if (target === undefined || target === "--help" || target === "-h") {
    process.stdout.write(`${SCAN_HELP}\n`);
    return 0;
  }
  if (target === "cluster") return (await import("./scan-cluster.js")).runScanCluster(rest);
  if (target !== "image") {
    throw new CliError(
      `unknown scan target ${JSON.stringify(target)}`,
      "Run `vigil scan image --help` or `vigil scan cluster --help`.",
    );
  }
  const { values, positionals } = parseArgs({
    args: [...rest],
    allowPositionals: true,
    options: {
      ...IMAGE_OPTIONS,
      format: { type: "string", default: "table" },
      output: { type: "string" },
      "severity-threshold": { type: "string", default: "unknown" },
      "ignore-unfixed": { type: "boolean", default: false },
      "ignore-file": { type: "string" },
      vex: { type: "string", multiple: true, default: [] as string[] },
      offline: { type: "boolean", default: false },
      namespace: { type: "string" },
      kind: { type: "string" },
      name: { type: "string" },
      "container-name": { type: "string" },
      "cluster-id": { type: "string" },
      "agent-id": { type: "string" },
      debug: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${SCAN_HELP}\n`);
    return 0;
  }
  if (positionals.length !== 1)
    throw new CliError("vigil scan image needs exactly one IMAGE", "Run `vigil scan image --help`.");
  const format = values.format as Format;
  if (!FORMATS.includes(format)) {
    throw new CliError(
      `unknown --format ${JSON.stringify(values.format)}`,
      `Use one of: ${FORMATS.join(", ")}.`,
    );
  }
  const threshold = parseSeverityLevel(values["severity-threshold"]);
  if (!threshold) {
    throw new CliError(
      `unknown --severity-threshold ${JSON.stringify(values["severity-threshold"])}`,
      "Use unknown, negligible, low, medium, high or critical.",
    );
  }
  const kubernetes =
    format === "gitlab-cluster"
      ? {
          namespace: required(values.namespace, "--namespace"),
          kind: required(values.kind, "--kind"),
          name: required(values.name, "--name"),
          containerName: required(values["container-name"], "--container-name"),
          ...(values["cluster-id"] ? { clusterId: values["cluster-id"] } : {}),
          ...(values["agent-id"] ? { agentId: values["agent-id"] } : {}),
        }
      : undefined;
  const now = new Date();
  const ignoreRules = await readIgnoreRules(values["ignore-file"]);
  const vex = await readVexFiles(values.vex);

  const reference = positionals[0]!;
  // Before the store opens: a bad registry flag is an error of the command line.
  const sourceOptions = imageSourceOptions(values);
  const { database, store } = await openCliStore();
  const progress = createProgressDisplay(process.stderr);
  try {
    const states = await store.sources();
    const withData = states.filter((s) => s.lastSuccessAt && s.name !== "kev" && s.name !== "epss");
    if (withData.length === 0) {
      const message = "the advisory database is empty, so no vulnerability can be found";
      if (values.offline)
        throw new CliError(
          message,
          "Import advisory data first: `vigil db import PATH` (offline) or `vigil db update`.",
        );
      warn(`${message}: run \`vigil db update\` or \`vigil db import PATH\``);
    }
    const maxAge = Number(process.env.VIGIL_DB_MAX_AGE_DAYS ?? DEFAULT_MAX_AGE_DAYS);
    for (const w of staleWarnings(states, now, maxAge)) warn(w);

    const cacheDir = cacheDirOf(values);
    const startTime = new Date();
    const result = await scanImage(reference, {
      ...sourceOptions,
      advisories: store,
      ...(cacheDir ? { cache: createDirectoryLayerCache(cacheDir) } : {}),
      onProgress: progress.onProgress,
    });
    progress.done();
    if (result.status === "failed" || !result.image || !result.inventory || !result.matches) {
      throw new CliError(`could not scan ${reference}: ${result.error}`, imageErrorHint(result.cause), 2, {
        cause: result.cause,
      });
    }
    if (result.status === "partial") {
      throw new CliError(
        `could not read all of ${reference}: ${result.error}`,
        "No report was written, because a partial scan would look like a clean one. Retry, or check the registry.",
        2,
        { cause: result.cause },
      );
    }
    const { image, inventory } = result;
    const unfixedFiltered = values["ignore-unfixed"]
      ? result.matches.matches.filter((m) => m.status === "fixed")
      : result.matches.matches;
    const split = applySuppressions({
      matches: unfixedFiltered,
      ignoreRules,
      vex,
      now,
      image: {
        ...(image.repository ? { repository: image.repository } : {}),
        manifestDigest: image.manifestDigest,
        ...(image.indexDigest ? { indexDigest: image.indexDigest } : {}),
      },
    });
    for (const rule of split.expiredRules) {
      warn(`ignore rule for ${rule.id} expired on ${rule.expires} and no longer applies: renew or remove it`);
    }
    const issues = [...inventory.issues, ...result.matches.issues];
    const matches = split.kept;
    const scanInfo = { startTime, endTime: new Date(), status: "success" as const };
    const text = render(format, {
      image,
      inventory,
      matches,
      suppressed: split.suppressed,
      issues,
      now,
      scanInfo,
      kubernetes,
      osEcosystem: result.matches.osEcosystem,
      osNotMatched: result.matches.osNotMatched,
    });
    if (values.output) await writeFile(values.output, text);
    else process.stdout.write(text);
    if (result.matches.osNotMatched && format !== "table")
      warn(`OS packages were not matched: ${result.matches.osNotMatched}`);
    return matches.some((m) => atOrAbove(m, threshold)) ? 1 : 0;
  } finally {
    progress.done();
    await database.close();
  }
}

interface RenderInput {
  readonly image: NonNullable<Awaited<ReturnType<typeof scanImage>>["image"]>;
  readonly inventory: NonNullable<Awaited<ReturnType<typeof scanImage>>["inventory"]>;
  readonly matches: readonly Match[];
  readonly suppressed: ReturnType<typeof applySuppressions>["suppressed"];
  readonly issues: Parameters<typeof renderMatchesTable>[0]["issues"];
  readonly now: Date;
  readonly scanInfo: { startTime: Date; endTime: Date; status: "success" };
  readonly kubernetes: Parameters<typeof renderGitlabClusterImageScanning>[0] extends infer I
    ? I extends { kubernetes?: infer K }
      ? K | undefined
      : undefined
    : undefined;
  readonly osEcosystem: string | undefined;
  readonly osNotMatched: string | undefined;
}

function render(format: Format, input: RenderInput): string {
  const { image, inventory, matches, suppressed, now } = input;
  const tool = { version: TOOL_VERSION };
  switch (format) {
    case "json":
      return renderScanJson({
        image,
        inventory,
        matches,
        suppressed,
        issues: input.issues ?? [],
        ...(input.osEcosystem ? { osEcosystem: input.osEcosystem } : {}),
        ...(input.osNotMatched ? { osNotMatched: input.osNotMatched } : {}),
        now,
        toolVersion: TOOL_VERSION,
      });
    case "gitlab":
      return renderGitlabContainerScanning({ image, inventory, matches, scan: input.scanInfo, tool });
    case "gitlab-cluster":
      return renderGitlabClusterImageScanning({
        image,
        inventory,
        matches,
        scan: input.scanInfo,
        tool,
        kubernetes: input.kubernetes!,
      } as Parameters<typeof renderGitlabClusterImageScanning>[0]);
    case "sarif":
      return renderSarif({ image, inventory, matches, suppressed, tool, now });
    case "cyclonedx":
      return renderCycloneDxVulnerabilities({
        image,
        inventory,
        matches,
        suppressed,
        now,
        toolVersion: TOOL_VERSION,
      });
    case "cyclonedx-vex":
      return renderCycloneDxVex({ image, inventory, matches, suppressed, now, toolVersion: TOOL_VERSION });
    default: {
      const notes: string[] = [];
      if (suppressed.length > 0)
        notes.push(
          `${suppressed.length} findings suppressed by ignore rules or VEX (--format json lists them)`,
        );
      if (input.osNotMatched) notes.push(`OS packages were not matched: ${input.osNotMatched}`);
      return renderMatchesTable({
        image,
        matches,
        ...(input.osEcosystem ? { osLabel: input.osEcosystem } : {}),
        ...(input.issues ? { issues: input.issues } : {}),
        notes,
      });
    }
  }
}

function atOrAbove(match: Match, threshold: SeverityLevel): boolean {
  return compareSeverity(match.severity.level, threshold) >= 0;
}

function required(value: string | undefined, flag: string): string {
  if (!value)
    throw new CliError(
      `--format gitlab-cluster needs ${flag}`,
      "Give the workload: --namespace, --kind, --name and --container-name.",
    );
  return value;
}

async function readIgnoreRules(path: string | undefined): Promise<IgnoreRule[]> {
  const file = path ?? (existsSync(".vigilignore.yaml") ? ".vigilignore.yaml" : undefined);
  if (!file) return [];
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new CliError(`cannot read the ignore file ${file}: ${(error as Error).message}`);
  }
  const parsed = parseIgnoreFile(text, file);
  for (const problem of parsed.problems) warn(formatSuppressionProblem(problem));
  return [...parsed.rules];
}

async function readVexFiles(paths: readonly string[]): Promise<VexStatement[]> {
  const statements: VexStatement[] = [];
  for (const path of paths) {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      throw new CliError(`cannot read the VEX file ${path}: ${(error as Error).message}`);
    }
    const doc = parseVex(text, path);
    for (const problem of doc.problems) warn(formatSuppressionProblem(problem));
    statements.push(...doc.statements);
  }
  return statements;
}

function warn(message: string): void {
  process.stderr.write(`vigil: warning: ${message}\n`);
}
