import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { startServer } from "@vigil/server";
import { CliError } from "../cli-error.js";
import { TOOL_VERSION } from "../tool-version.js";

export const SERVE_HELP = `Usage: vigil serve [options]

Run the Vigil server: the HTTP API (/api/v1, OpenAPI at /api/v1/openapi.json, Prometheus
metrics at /metrics) on one port, on the embedded SQLite database under the data directory, or
on PostgreSQL when DATABASE_URL is set.

Options:
  --port PORT        TCP port (default: $PORT or 8080)
  --host HOST        interface to listen on (default 0.0.0.0)
  --data-dir DIR     where the SQLite database lives (default: $VIGIL_DATA_DIR or ./data)

Stops gracefully on SIGINT or SIGTERM.`;

/** `vigil serve`. */
export async function runServe(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: "string" },
      host: { type: "string", default: "0.0.0.0" },
      "data-dir": { type: "string" },
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
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({
      port,
      host: values.host,
      dataDir,
      ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : {}),
      version: TOOL_VERSION,
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
