import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { apiRoutes, loadPolicyFile, PolicyFileError, startServer } from "@vigil/server";
import { CliError } from "../cli-error.js";
import { TOOL_VERSION } from "../tool-version.js";
import { QUEUE_OPTIONS, QUEUE_OPTIONS_HELP, queueOptionsOf, wholeNumber } from "./queue-options.js";

export const SERVE_HELP = `Usage: vigil serve [options]

Run the Vigil server: the HTTP API (/api/v1, OpenAPI at /api/v1/openapi.json, Prometheus
metrics at /metrics) on one port, on the embedded SQLite database under the data directory, or
on PostgreSQL when DATABASE_URL is set.

It also runs the scans: scan execution policies on their schedule, scans started through the
API, and every 6 hours an advisory update that matches the stored inventories again, without
pulling any image. On first start with a reachable kubeconfig context it registers that cluster.

Options:
  --port PORT             TCP port (default: $PORT or 8080)
  --host HOST             interface to listen on (default 0.0.0.0)
  --data-dir DIR          where the SQLite database and caches live (default: $VIGIL_DATA_DIR or ./data)
  --kubeconfig FILE       kubeconfig for the clusters (default: $KUBECONFIG or ~/.kube/config)
  --policies FILE         load scan execution policies (GitLab-style YAML) from FILE at start,
                          creating or replacing each by name; a file with errors stops the start
  --no-scans              serve the API only: no scans, no scheduler, no advisory update
  --no-advisory-update    never fetch advisories (air-gapped: use vigil db import)
  --workers N             PostgreSQL: scans this server runs at once from the shared queue
                          (default 1; 0: API and scheduler only, scans left to vigil worker)
${QUEUE_OPTIONS_HELP}

On PostgreSQL several servers and any number of \`vigil worker\`s may share the database:
scans go through its queue, and the scheduler runs in one server at a time (the leader).

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
  const dataDir = resolve(values["data-dir"] ?? process.env.VIGIL_DATA_DIR ?? "data");
  const workers = values.workers !== undefined ? wholeNumber("--workers", values.workers, 0) : undefined;
  const queue = { ...queueOptionsOf(values), ...(workers !== undefined ? { workers } : {}) };
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({
      port,
      host: values.host,
      dataDir,
      ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : {}),
      version: TOOL_VERSION,
      routes: (database, services) =>
        apiRoutes({ database, ...(services.scans ? { scans: services.scans } : {}) }),
      scans: {
        enabled: !values["no-scans"],
        ...(values.kubeconfig ? { kubeconfigPath: values.kubeconfig } : {}),
        advisoryUpdate: { enabled: !values["no-advisory-update"] },
        // used on PostgreSQL only; SQLite runs scans in this process
        queue,
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
