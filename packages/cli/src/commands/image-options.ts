import { existsSync } from "node:fs";
import { homedir } from "node:os";
import type { ParseArgsConfig } from "node:util";
import {
  defaultDockerConfigPath,
  type OpenImageSourceOptions,
  type Platform,
  parsePlatform,
} from "@vigil/core";
import { defaultCacheDir } from "../cache-dir.js";
import {
  REGISTRY_LIMIT_OPTIONS,
  REGISTRY_LIMIT_OPTIONS_HELP,
  type RegistryLimitValues,
  registryLimitsOf,
} from "./registry-limit-options.js";

/** How to reach registries: platform, plain HTTP hosts, credentials file, extra CAs (parseArgs spec). */
export const REGISTRY_ACCESS_OPTIONS = {
  platform: { type: "string" },
  "insecure-registry": { type: "string", multiple: true, default: [] as string[] },
  "registry-config": { type: "string" },
  "ca-file": { type: "string" },
} satisfies NonNullable<ParseArgsConfig["options"]>;

/** Their help text, with the default of --registry-config that the command applies. */
export function registryAccessHelp(registryConfigDefault: string): string {
  return `  --platform OS/ARCH[/VAR]   platform to pick from a multi-platform image (default linux/amd64)
  --insecure-registry HOST   talk plain HTTP to HOST (repeatable)
  --registry-config FILE     Docker config.json with registry credentials
                             (default: ${registryConfigDefault})
  --ca-file FILE             extra CA certificates (PEM) to trust for registries`;
}

/** The options every command that reads an image accepts (parseArgs spec). */
export const IMAGE_OPTIONS = {
  ...REGISTRY_ACCESS_OPTIONS,
  "cache-dir": { type: "string" },
  "no-cache": { type: "boolean", default: false },
  ...REGISTRY_LIMIT_OPTIONS,
} satisfies NonNullable<ParseArgsConfig["options"]>;

/** Their help text. */
export const IMAGE_OPTIONS_HELP = `${registryAccessHelp("$DOCKER_CONFIG/config.json or ~/.docker/config.json")}
  --cache-dir DIR            layer cache (default: $VIGIL_CACHE_DIR or ~/.cache/vigil)
  --no-cache                 read every layer, use no cache
${REGISTRY_LIMIT_OPTIONS_HELP}`;

/** Parsed values of {@link REGISTRY_ACCESS_OPTIONS}. */
export interface RegistryAccessValues {
  readonly platform?: string | undefined;
  readonly "insecure-registry": readonly string[];
  readonly "registry-config"?: string | undefined;
  readonly "ca-file"?: string | undefined;
}

/** Parsed values of {@link IMAGE_OPTIONS}. */
export interface ImageOptionValues extends RegistryAccessValues, RegistryLimitValues {
  readonly "cache-dir"?: string | undefined;
  readonly "no-cache": boolean;
}

/**
 * Image source options from the command line, with the user's Docker config as default
 * credentials (unless `userDockerConfig` is false: a server uses only the pull secrets of the
 * clusters and a file it is given) and the registry limits of the flags (call it once per
 * process: the limits it creates are what the process's pulls share).
 */
export function imageSourceOptions(
  values: RegistryAccessValues & RegistryLimitValues,
  { userDockerConfig = true }: { readonly userDockerConfig?: boolean } = {},
): OpenImageSourceOptions & { platform?: Platform } {
  const registryConfig =
    values["registry-config"] ?? (userDockerConfig ? existingDefaultDockerConfig() : undefined);
  return {
    insecureRegistries: values["insecure-registry"],
    ...(registryConfig ? { registryConfigFile: registryConfig } : {}),
    ...(values["ca-file"] ? { caFile: values["ca-file"] } : {}),
    ...(values.platform ? { platform: parsePlatform(values.platform) } : {}),
    registryLimits: registryLimitsOf(values),
  };
}

/** The layer cache directory, or undefined with --no-cache. */
export function cacheDirOf(values: ImageOptionValues): string | undefined {
  return values["no-cache"] ? undefined : (values["cache-dir"] ?? defaultCacheDir());
}

/** The user's own Docker config (`$DOCKER_CONFIG/config.json` or `~/.docker/config.json`), when there is one. */
function existingDefaultDockerConfig(): string | undefined {
  const path = defaultDockerConfigPath(process.env, homedir());
  return existsSync(path) ? path : undefined;
}

/** Suggest what to do for the image errors people meet most. */
export function imageErrorHint(cause: unknown): string | undefined {
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
