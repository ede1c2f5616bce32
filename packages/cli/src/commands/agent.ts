import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { createKubernetesClientReader } from "@vigil/server";
import { AgentTokenRefusedError, createAgentServerClient } from "../agent/agent-server-client.js";
import { createBackoff } from "../agent/backoff.js";
import { openResultSpool } from "../agent/result-spool.js";
import { runAgent } from "../agent/run-agent.js";
import { CliError } from "../cli-error.js";
import { clusterCommandError, loadCliKubeConfig } from "./cluster-connection.js";
import { cacheDirOf, IMAGE_OPTIONS, IMAGE_OPTIONS_HELP, imageSourceOptions } from "./image-options.js";

export const AGENT_HELP = `Usage: vigil agent --server URL [--token-file FILE] [options]

Run inside a cluster with its service account (see deploy/agent.yaml): take the scans the server
queues for this agent's cluster, discover the running containers and either scan their images
here (mode scan) or send what runs, with the pull credentials, for the server to scan (mode
discover; the mode is set per agent on the server). Results wait on disk until the server
accepts them: a server that is down loses nothing.

Options:
  --server URL             the Vigil server (required)
  --token-file FILE        file holding the agent token (or set VIGIL_AGENT_TOKEN; --token
                           TOKEN also works but shows the token in the process list)
  --kubeconfig FILE        run outside the cluster with this kubeconfig (default: the pod's
                           service account, else $KUBECONFIG or ~/.kube/config)
  --context NAME           the kubeconfig context (default: the current one)
  --spool-dir DIR          where results wait for the server (default: $VIGIL_DATA_DIR/agent-spool
                           or ./data/agent-spool)
  --poll-interval SECONDS  between claims when there is nothing to do (default 30)
  --max-backoff SECONDS    longest wait between retries while the server is unreachable (default 60)
  --concurrency N          image scans at once (default 2)
${IMAGE_OPTIONS_HELP}
  --debug                  show stack traces on failure

Stops gracefully on SIGTERM or SIGINT. Exit codes: 0 stopped, 2 the token was refused (create
a new one) or the agent could not start.`;

/** `vigil agent`. */
export async function runAgentCommand(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      server: { type: "string" },
      token: { type: "string" },
      "token-file": { type: "string" },
      kubeconfig: { type: "string" },
      context: { type: "string" },
      "spool-dir": { type: "string" },
      "poll-interval": { type: "string", default: "30" },
      "max-backoff": { type: "string", default: "60" },
      concurrency: { type: "string" },
      ...IMAGE_OPTIONS,
      debug: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${AGENT_HELP}\n`);
    return 0;
  }
  if (!values.server) throw new CliError("--server URL is required", "Run `vigil agent --help` for usage.");
  let server: URL;
  try {
    server = new URL(values.server);
  } catch {
    throw new CliError(
      `--server must be a URL such as https://vigil.example.com, not ${JSON.stringify(values.server)}`,
    );
  }
  const token = agentToken(values.token, values["token-file"]);
  const pollMs = seconds(values["poll-interval"], "--poll-interval");
  const capMs = seconds(values["max-backoff"], "--max-backoff");
  const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) {
    throw new CliError(`--concurrency must be a positive integer, not ${JSON.stringify(values.concurrency)}`);
  }
  const loaded = loadCliKubeConfig(values.kubeconfig, values.context);
  const reader = createKubernetesClientReader(loaded.kubeConfig);
  const spoolDir = resolve(values["spool-dir"] ?? join(process.env.VIGIL_DATA_DIR ?? "data", "agent-spool"));
  const spool = await openResultSpool(spoolDir);
  const controller = new AbortController();
  const stop = () => controller.abort(new Error("the agent is stopping"));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  const log = (message: string) => process.stderr.write(`vigil agent: ${message}\n`);
  log(`reporting to ${server.origin} from ${loaded.source} (${loaded.server}); results wait in ${spoolDir}`);
  try {
    const cacheDir = cacheDirOf(values);
    await runAgent({
      client: createAgentServerClient({ server: server.toString(), token }),
      reader,
      spool,
      backoff: createBackoff({ capMs }),
      pollMs,
      signal: controller.signal,
      registry: imageSourceOptions(values),
      ...(cacheDir ? { cacheDir } : {}),
      ...(concurrency ? { concurrency } : {}),
      log,
    });
  } catch (error) {
    if (error instanceof AgentTokenRefusedError) {
      throw new CliError(
        `the server refused this agent's token (${error.message}); it is unknown or was revoked`,
        "Create a new token (POST /api/v1/clusters/<cluster>/agents), put it in the agent's secret and restart the agent. Spooled results are kept.",
        2,
        { cause: error },
      );
    }
    throw clusterCommandError(error, `the agent cannot read the cluster (${loaded.server})`);
  } finally {
    process.off("SIGTERM", stop);
    process.off("SIGINT", stop);
  }
  log("stopped");
  return 0;
}

/** The token from --token, VIGIL_AGENT_TOKEN or --token-file (trimmed), as a CliError when there is none. */
function agentToken(flag: string | undefined, file: string | undefined): string {
  let token = flag ?? process.env.VIGIL_AGENT_TOKEN;
  if (file) {
    try {
      token = readFileSync(file, "utf8");
    } catch (error) {
      throw new CliError(`cannot read the token file ${file}: ${(error as Error).message}`, undefined, 2, {
        cause: error,
      });
    }
  }
  token = token?.trim();
  if (!token) {
    throw new CliError(
      "no agent token: pass --token-file FILE or set VIGIL_AGENT_TOKEN",
      "Create one with POST /api/v1/clusters/<cluster>/agents (it is shown once).",
    );
  }
  return token;
}

function seconds(text: string, option: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    throw new CliError(`${option} must be a positive number of seconds, not ${JSON.stringify(text)}`);
  }
  return Math.round(value * 1000);
}
