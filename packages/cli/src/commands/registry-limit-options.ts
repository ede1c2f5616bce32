import type { ParseArgsConfig } from "node:util";
import {
  createRegistryLimits,
  DEFAULT_REGISTRY_CONCURRENCY_PER_HOST,
  parseByteRate,
  type RegistryLimits,
} from "@vigil/core";
import { CliError } from "../cli-error.js";

/**
 * The flags that bound what one `vigil` process asks of each registry host (every image it
 * pulls shares them): `--registry-concurrency N` and `--registry-bandwidth RATE`.
 */

/** Their parseArgs spec. */
export const REGISTRY_LIMIT_OPTIONS = {
  "registry-concurrency": { type: "string" },
  "registry-bandwidth": { type: "string" },
} satisfies NonNullable<ParseArgsConfig["options"]>;

/** Their help text. */
export const REGISTRY_LIMIT_OPTIONS_HELP = `  --registry-concurrency N   requests in flight per registry host, blob downloads
                             included (default ${DEFAULT_REGISTRY_CONCURRENCY_PER_HOST})
  --registry-bandwidth RATE  cap on bytes read per second per registry host, e.g.
                             500KiB/s, 20MiB/s, 1GB/s (default: no cap)`;

/** Parsed values of {@link REGISTRY_LIMIT_OPTIONS}. */
export interface RegistryLimitValues {
  readonly "registry-concurrency"?: string | undefined;
  readonly "registry-bandwidth"?: string | undefined;
}

/** The process's registry limits from the flags; a bad value is a CliError naming its flag. */
export function registryLimitsOf(values: RegistryLimitValues): RegistryLimits {
  const concurrencyText = values["registry-concurrency"];
  let concurrencyPerHost: number | undefined;
  if (concurrencyText !== undefined) {
    concurrencyPerHost = Number(concurrencyText);
    if (!/^\s*\d+\s*$/.test(concurrencyText) || concurrencyPerHost < 1 || concurrencyPerHost > 256) {
      throw new CliError(
        `--registry-concurrency must be a whole number from 1 to 256, not ${JSON.stringify(concurrencyText)}`,
        `It bounds the requests in flight per registry host (default ${DEFAULT_REGISTRY_CONCURRENCY_PER_HOST}).`,
      );
    }
  }
  const bandwidthText = values["registry-bandwidth"];
  let bytesPerSecondPerHost: number | undefined;
  if (bandwidthText !== undefined) {
    try {
      bytesPerSecondPerHost = parseByteRate(bandwidthText);
    } catch (error) {
      throw new CliError(`--registry-bandwidth: ${(error as Error).message}`, undefined, 2, { cause: error });
    }
  }
  return createRegistryLimits({
    ...(concurrencyPerHost !== undefined ? { concurrencyPerHost } : {}),
    ...(bytesPerSecondPerHost !== undefined ? { bytesPerSecondPerHost } : {}),
  });
}
