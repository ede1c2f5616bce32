#!/usr/bin/env node
import { CliError } from "./cli-error.js";
import { TOOL_VERSION } from "./tool-version.js";

const HELP = `vigil ${TOOL_VERSION}: keeps watch over the images that run in your clusters.

Usage: vigil COMMAND [options]

Commands:
  sbom IMAGE     list the packages installed in an image (table, json, cyclonedx)
  scan image IMAGE  find known vulnerabilities in an image (table, json, gitlab, sarif, cyclonedx)
  scan cluster   scan the images running in Kubernetes clusters, each digest once
  import trivy-operator  import the Trivy Operator's vulnerability reports from a cluster
  db COMMAND     manage the advisory database: update, import, status, export
  serve          run the server: HTTP API and metrics on one port (SQLite or PostgreSQL)
  admin create-owner  create the first owner of a fresh server (who then adds the other users)
  agent          run in a cluster: scan it (or ship what runs) for the server, with a token
  worker         take scan jobs from the servers' queue (PostgreSQL)
  version        print the version

Run \`vigil COMMAND --help\` for a command's options.

Exit codes: 0 success, 1 findings at or above the threshold, 2 the tool failed.`;

// Commands are loaded on demand so `vigil version` and `--help` start without loading the
// scanning library.
const COMMANDS: Record<string, (argv: readonly string[]) => Promise<number>> = {
  sbom: async (argv) => (await import("./commands/sbom.js")).runSbom(argv),
  db: async (argv) => (await import("./commands/db.js")).runDb(argv),
  scan: async (argv) => (await import("./commands/scan.js")).runScan(argv),
  serve: async (argv) => (await import("./commands/serve.js")).runServe(argv),
  admin: async (argv) => (await import("./commands/admin.js")).runAdmin(argv),
  agent: async (argv) => (await import("./commands/agent.js")).runAgentCommand(argv),
  worker: async (argv) => (await import("./commands/worker.js")).runWorker(argv),
  import: async (argv) => (await import("./commands/import.js")).runImport(argv),
  version: async () => {
    process.stdout.write(`${TOOL_VERSION}\n`);
    return 0;
  },
};

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (command === "--version") return COMMANDS.version!([]);
  const run = COMMANDS[command];
  if (!run)
    throw new CliError(
      `unknown command ${JSON.stringify(command)}`,
      "Run `vigil --help` to list the commands.",
    );
  return run(rest);
}

const debug = process.argv.includes("--debug");
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof CliError) {
      process.stderr.write(`vigil: ${error.message}\n`);
      if (error.hint) process.stderr.write(`  ${error.hint}\n`);
      if (debug && error.cause)
        process.stderr.write(`${(error.cause as Error).stack ?? String(error.cause)}\n`);
      process.exitCode = error.exitCode;
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    const code = (error as { code?: string }).code;
    process.stderr.write(
      `vigil: ${code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" || code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" ? `${message}\n  Run \`vigil --help\` for usage.` : message}\n`,
    );
    if (debug && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    process.exitCode = 2;
  },
);
