import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import {
  createBuiltinExtractors,
  createDirectoryLayerCache,
  openImageSource,
  renderCycloneDxSbom,
  renderInventoryJson,
  renderInventoryTable,
  scanImageInventory,
} from "@vigil/core";
import { CliError } from "../cli-error.js";
import { createProgressDisplay } from "../progress.js";
import { TOOL_VERSION } from "../tool-version.js";
import {
  cacheDirOf,
  IMAGE_OPTIONS,
  IMAGE_OPTIONS_HELP,
  imageErrorHint,
  imageSourceOptions,
} from "./image-options.js";

export const SBOM_HELP = `Usage: vigil sbom IMAGE [options]

List the packages installed in an image.

IMAGE is a registry reference (alpine:3.19, 127.0.0.1:5000/team/app@sha256:...),
or a local image: oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE.

Options:
  --format FORMAT            table (default), json, or cyclonedx (CycloneDX 1.6 JSON)
  --output FILE              write the result to FILE instead of standard output
${IMAGE_OPTIONS_HELP}
  --debug                    show stack traces on failure

Exit codes: 0 success, 2 the image could not be read completely.`;

const FORMATS = ["table", "json", "cyclonedx"] as const;

/** `vigil sbom`: the image's inventory as a table, Vigil JSON or CycloneDX. */
export async function runSbom(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      ...IMAGE_OPTIONS,
      format: { type: "string", default: "table" },
      output: { type: "string" },
      debug: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${SBOM_HELP}\n`);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new CliError("vigil sbom needs exactly one IMAGE", "Run `vigil sbom --help` for usage.");
  }
  const format = values.format as (typeof FORMATS)[number];
  if (!FORMATS.includes(format)) {
    throw new CliError(
      `unknown --format ${JSON.stringify(values.format)}`,
      `Use one of: ${FORMATS.join(", ")}.`,
    );
  }
  const reference = positionals[0]!;
  const { platform, ...sourceOptions } = imageSourceOptions(values);
  const source = await openImageSource(reference, sourceOptions);
  const cacheDir = cacheDirOf(values);
  const progress = createProgressDisplay(process.stderr);
  try {
    const scan = await scanImageInventory({
      source,
      extractors: createBuiltinExtractors(),
      ...(cacheDir ? { cache: createDirectoryLayerCache(cacheDir) } : {}),
      ...(platform ? { platform } : {}),
      onProgress: progress.onProgress,
    });
    progress.done();
    if (scan.status === "failed" || !scan.image || !scan.inventory) {
      throw new CliError(`could not read ${reference}: ${scan.error}`, imageErrorHint(scan.cause), 2, {
        cause: scan.cause,
      });
    }
    if (scan.status === "partial") {
      throw new CliError(
        `could not read all of ${reference}: ${scan.error}`,
        "No inventory was written, because a partial one would look complete. Retry, or check the registry and the image.",
        2,
        { cause: scan.cause },
      );
    }
    const now = new Date();
    const text =
      format === "cyclonedx"
        ? renderCycloneDxSbom({
            image: scan.image,
            inventory: scan.inventory,
            now,
            toolVersion: TOOL_VERSION,
          })
        : format === "json"
          ? renderInventoryJson({
              image: scan.image,
              inventory: scan.inventory,
              status: "complete",
              now,
              toolVersion: TOOL_VERSION,
            })
          : renderInventoryTable(scan.image, scan.inventory);
    if (values.output) await writeFile(values.output, text);
    else process.stdout.write(text);
    return 0;
  } finally {
    progress.done();
    await source.close?.();
  }
}
