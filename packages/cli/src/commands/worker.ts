import { parseArgs } from "node:util";
import { DatabaseConfigError, startWorker } from "@vigil/server";
import { CliError } from "../cli-error.js";
import { cacheDirOf, IMAGE_OPTIONS, IMAGE_OPTIONS_HELP, imageSourceOptions } from "./image-options.js";
import { QUEUE_OPTIONS, QUEUE_OPTIONS_HELP, queueOptionsOf, wholeNumber } from "./queue-options.js";

export const WORKER_HELP = `Usage: vigil worker [options]

Take cluster scan jobs from the queue that \`vigil serve\` fills on PostgreSQL (DATABASE_URL),
and run them: any number of workers, on any machine, share the queue. A job whose worker dies
is retried by another after --job-expiry; one image digest is never pulled by two workers at
once (workers sharing --cache-dir reuse each other's result).

Options:
  --concurrency N         cluster scans at once in this worker (default 1)
  --images-per-scan N     image scans in flight within one cluster scan (default 2)
  --kubeconfig FILE       kubeconfig with the clusters' contexts (default: $KUBECONFIG or ~/.kube/config)
  --name NAME             this worker's name in the logs (default: a random id)
${QUEUE_OPTIONS_HELP}

Images:
${IMAGE_OPTIONS_HELP}

Logs are JSON lines on stdout; VIGIL_LOG_LEVEL sets the level (trace, debug, info, warn,
error, fatal, silent; default info).

Stops gracefully on SIGINT or SIGTERM: a running scan is marked interrupted and queued again.`;

/** `vigil worker`. */
export async function runWorker(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      ...IMAGE_OPTIONS,
      ...QUEUE_OPTIONS,
      concurrency: { type: "string", default: "1" },
      "images-per-scan": { type: "string", default: "2" },
      kubeconfig: { type: "string" },
      name: { type: "string" },
      debug: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${WORKER_HELP}\n`);
    return 0;
  }
  const concurrency = wholeNumber("--concurrency", values.concurrency, 1);
  const imagesPerScan = wholeNumber("--images-per-scan", values["images-per-scan"], 1);
  const queue = queueOptionsOf(values);
  const cacheDir = cacheDirOf(values);
  let running: Awaited<ReturnType<typeof startWorker>>;
  try {
    running = await startWorker({
      databaseUrl: process.env.DATABASE_URL,
      concurrency,
      imagesPerScan,
      queue,
      registry: imageSourceOptions(values),
      ...(cacheDir ? { cacheDir } : {}),
      ...(values.kubeconfig ? { kubeconfigPath: values.kubeconfig } : {}),
      ...(values.name ? { name: values.name } : {}),
    });
  } catch (error) {
    if (error instanceof DatabaseConfigError) {
      throw new CliError(
        error.message,
        "Start it with DATABASE_URL=postgres://… (the servers' database).",
        2,
        {
          cause: error,
        },
      );
    }
    throw new CliError(`the worker could not start: ${(error as Error).message}`, undefined, 2, {
      cause: error,
    });
  }
  process.stderr.write(
    `vigil: worker ${running.worker.name} taking scan jobs (${concurrency} at once, database ${running.database.location})\n`,
  );
  await new Promise<void>((resolvePromise) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      void running.close().then(resolvePromise);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  return 0;
}
