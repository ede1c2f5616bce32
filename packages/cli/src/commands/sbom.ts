import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { parseArgs } from "node:util";
import {
  createBuiltinExtractors,
  createDirectoryLayerCache,
  defaultDockerConfigPath,
  openImageSource,
  parsePlatform,
  renderCycloneDxSbom,
  renderInventoryJson,
  renderInventoryTable,
  scanImageInventory,
} from "@vigil/core";
import { defaultCacheDir } from "../cache-dir.js";
import { CliError } from "../cli-error.js";
import { createProgressDisplay } from "../progress.js";
import { TOOL_VERSION } from "../tool-version.js";

export const SBOM_HELP = `Usage: vigil sbom IMAGE [options]

List the packages installed in an image.

IMAGE is a registry reference (alpine:3.19, 127.0.0.1:5000/team/app@sha256:...),
or a local image: oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE.

Options:
  --format FORMAT            table (default), json, or cyclonedx (CycloneDX 1.6 JSON)
  --output FILE              write the result to FILE instead of standard output
  --platform OS/ARCH[/VAR]   platform to pick from a multi-platform image (default linux/amd64)
  --insecure-registry HOST   talk plain HTTP to HOST (repeatable)
  --registry-config FILE     Docker config.json with registry credentials
                             (default: $DOCKER_CONFIG/config.json or ~/.docker/config.json)
  --ca-file FILE             extra CA certificates (PEM) to trust for registries
  --cache-dir DIR            layer cache (default: $VIGIL_CACHE_DIR or ~/.cache/vigil)
  --no-cache                 read every layer, use no cache
  --debug                    show stack traces on failure

Exit codes: 0 success, 2 the image could not be read completely.`;

const FORMATS = ["table", "json", "cyclonedx"] as const;

/** `vigil sbom`: the image's inventory as a table, Vigil JSON or CycloneDX. */
export async function runSbom(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      format: { type: "string", default: "table" },
      output: { type: "string" },
      platform: { type: "string" },
      "insecure-registry": { type: "string", multiple: true, default: [] },
      "registry-config": { type: "string" },
      "ca-file": { type: "string" },
      "cache-dir": { type: "string" },
      "no-cache": { type: "boolean", default: false },
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
  const platform = values.platform ? parsePlatform(values.platform) : undefined;
  const registryConfig = values["registry-config"] ?? existingDefaultDockerConfig();
  const source = await openImageSource(reference, {
    insecureRegistries: values["insecure-registry"],
    ...(registryConfig ? { registryConfigFile: registryConfig } : {}),
    ...(values["ca-file"] ? { caFile: values["ca-file"] } : {}),
  });
  const progress = createProgressDisplay(process.stderr);
  try {
    const scan = await scanImageInventory({
      source,
      extractors: createBuiltinExtractors(),
      ...(values["no-cache"]
        ? {}
        : { cache: createDirectoryLayerCache(values["cache-dir"] ?? defaultCacheDir()) }),
      ...(platform ? { platform } : {}),
      onProgress: progress.onProgress,
    });
    progress.done();
    if (scan.status === "failed" || !scan.image || !scan.inventory) {
      throw new CliError(`could not read ${reference}: ${scan.error}`, hintFor(scan.cause), 2, {
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

/** The user's own Docker config (`$DOCKER_CONFIG/config.json` or `~/.docker/config.json`), when there is one. */
function existingDefaultDockerConfig(): string | undefined {
  const path = defaultDockerConfigPath(process.env, homedir());
  return existsSync(path) ? path : undefined;
}

/** Suggest what to do for the errors people meet most. */
function hintFor(cause: unknown): string | undefined {
  const name = cause instanceof Error ? cause.name : "";
  if (/Auth/.test(name))
    return "Check the credentials in --registry-config (docker config.json) for this registry.";
  if (/NotFound/.test(name))
    return "Check the image name and tag; `skopeo inspect` or the registry's UI can list tags.";
  if (/Platform/.test(name)) return "Pick one of the platforms listed above with --platform.";
  if (/Connection|Timeout/.test(name))
    return "Is the registry reachable? For a plain-HTTP registry add --insecure-registry HOST.";
  return undefined;
}
