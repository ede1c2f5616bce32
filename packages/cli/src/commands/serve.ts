import { resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  apiRoutes,
  createUserRepository,
  loadPolicyFile,
  NO_USERS_YET,
  PolicyFileError,
  startServer,
} from "@vigil/server";
import { CliError } from "../cli-error.js";
import { parseDurationOption } from "../duration-option.js";
import { TOOL_VERSION } from "../tool-version.js";
import { imageSourceOptions, REGISTRY_ACCESS_OPTIONS, registryAccessHelp } from "./image-options.js";
import { QUEUE_OPTIONS, QUEUE_OPTIONS_HELP, queueOptionsOf, wholeNumber } from "./queue-options.js";
import { REGISTRY_LIMIT_OPTIONS, REGISTRY_LIMIT_OPTIONS_HELP } from "./registry-limit-options.js";
import { defaultWebRoot } from "./web-root.js";

export const SERVE_HELP = `Usage: vigil serve [options]

Run the Vigil server: the HTTP API (/api/v1, OpenAPI at /api/v1/openapi.json, Prometheus
metrics at /metrics) on one port, on the embedded SQLite database under the data directory, or
on PostgreSQL when DATABASE_URL is set.

It also runs the scans: scan execution policies on their schedule, scans started through the
API, and every 6 hours an advisory update that matches the stored inventories again, without
pulling any image. On first start with a reachable kubeconfig context it registers that cluster.

Every API route but health, sign-in, the OpenAPI document and metrics needs a user: people
sign in (session cookie), programs send an API token (Authorization: Bearer vigil_pat_…).
On a fresh install, create the first owner with \`vigil admin create-owner\`.

Options:
  --port PORT             TCP port (default: $PORT or 8080)
  --host HOST             interface to listen on (default 0.0.0.0)
  --data-dir DIR          where the SQLite database and caches live (default: $VIGIL_DATA_DIR or ./data)
  --kubeconfig FILE       kubeconfig for the clusters (default: $KUBECONFIG or ~/.kube/config)
  --policies FILE         load scan execution policies (GitLab-style YAML) from FILE at start,
                          creating or replacing each by name; a file with errors stops the start
  --no-scans              serve the API only: no scans, no scheduler, no advisory update
  --no-advisory-update    never fetch advisories (air-gapped: use vigil db import)
  --scan-time-limit D     stop and fail a cluster scan that runs longer than D (45s, 90m, 2h;
                          default 2h); a stopped scan resolves nothing
  --webhook-hosts LIST    hosts webhooks may point at, comma-separated (\`*.example.com\` for
                          sub-domains); default any (webhooks are configured by maintainers)
  --no-notifications      send no webhooks (deliveries already queued wait for a start without it)
  --web-root DIR          serve the web UI from DIR (default: the built @vigil/web package)
  --no-ui                 serve the API only
  --workers N             PostgreSQL: scans this server runs at once from the shared queue
                          (default 1; 0: API and scheduler only, scans left to vigil worker)
${QUEUE_OPTIONS_HELP}

Registries (the pull secrets of each cluster's pods give the credentials):
${registryAccessHelp("none: only the clusters' pull secrets")}

Registry limits, shared by every scan the server runs at once:
${REGISTRY_LIMIT_OPTIONS_HELP}

On PostgreSQL several servers and any number of \`vigil worker\`s may share the database:
scans go through its queue, and the scheduler runs in one server at a time (the leader).

Logs are JSON lines on stdout; VIGIL_LOG_LEVEL sets the level (trace, debug, info, warn,
error, fatal, silent; default info).

Stops gracefully on SIGINT or SIGTERM.`;

/** `vigil serve`. */
export async function runServe(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: "string" },
      host: { type: "string", default: "0.0.0.0" },
      "data-dir": { type: "string" },
      kubeconfig: { type: "string" },
      policies: { type: "string" },
      "no-scans": { type: "boolean", default: false },
      "no-advisory-update": { type: "boolean", default: false },
      "scan-time-limit": { type: "string" },
      ...REGISTRY_ACCESS_OPTIONS,
      ...REGISTRY_LIMIT_OPTIONS,
      "webhook-hosts": { type: "string" },
      "no-notifications": { type: "boolean", default: false },
      "web-root": { type: "string" },
      "no-ui": { type: "boolean", default: false },
      workers: { type: "string" },
      ...QUEUE_OPTIONS,
      debug: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${SERVE_HELP}\n`);
    return 0;
  }
  const portText = values.port ?? process.env.PORT ?? "8080";
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new CliError(`--port must be a TCP port number, not ${JSON.stringify(portText)}`);
  }
  const timeLimitMs =
    values["scan-time-limit"] === undefined
      ? undefined
      : parseDurationOption("--scan-time-limit", values["scan-time-limit"]);
  const registry = imageSourceOptions(values, { userDockerConfig: false });
  const webhookHosts = values["webhook-hosts"]
    ?.split(",")
    .map((host) => host.trim())
    .filter(Boolean);
  if (webhookHosts?.length === 0) {
    throw new CliError("--webhook-hosts needs at least one host name, e.g. hooks.slack.com");
  }
  const dataDir = resolve(values["data-dir"] ?? process.env.VIGIL_DATA_DIR ?? "data");
  const workers = values.workers !== undefined ? wholeNumber("--workers", values.workers, 0) : undefined;
  const queue = { ...queueOptionsOf(values), ...(workers !== undefined ? { workers } : {}) };
  const webRoot = values["no-ui"] ? undefined : (values["web-root"] ?? defaultWebRoot());
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({
      port,
      host: values.host,
      dataDir,
      ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : {}),
      version: TOOL_VERSION,
      ...(webRoot !== undefined ? { webRoot } : {}),
      routes: (database, services) => apiRoutes({ database, ...services }),
      scans: {
        enabled: !values["no-scans"],
        ...(values.kubeconfig ? { kubeconfigPath: values.kubeconfig } : {}),
        advisoryUpdate: { enabled: !values["no-advisory-update"] },
        ...(timeLimitMs !== undefined ? { timeLimitMs } : {}),
        registry,
        // used on PostgreSQL only; SQLite runs scans in this process
        queue,
      },
      notifications: {
        enabled: !values["no-notifications"],
        ...(webhookHosts ? { allowedHosts: webhookHosts } : {}),
      },
    });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "EADDRINUSE") {
      throw new CliError(`port ${port} is already in use`, "Choose another with --port or PORT.", 2, {
        cause: error,
      });
    }
    throw new CliError(`the server could not start: ${(error as Error).message}`, undefined, 2, {
      cause: error,
    });
  }
  if (values.policies) {
    try {
      const loaded = await loadPolicyFile(server.database, values.policies, new Date());
      for (const warning of loaded.warnings) process.stderr.write(`vigil: warning: ${warning}\n`);
      process.stderr.write(
        `vigil: policies from ${values.policies}: ${loaded.created.length} created, ${loaded.updated.length} replaced\n`,
      );
    } catch (error) {
      await server.close();
      if (error instanceof PolicyFileError) {
        throw new CliError(error.message, "Fix the file and start again; nothing was changed.", 2);
      }
      throw error;
    }
  }
  if ((await createUserRepository(server.database.db).count()) === 0) {
    process.stderr.write(`vigil: warning: ${NO_USERS_YET}\n`);
  }
  process.stderr.write(
    `vigil: serving ${server.url} (API ${server.url}/api/v1, data: ${server.database.location})\n`,
  );
  await new Promise<void>((resolvePromise) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      void server.close().then(resolvePromise);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  return 0;
}
