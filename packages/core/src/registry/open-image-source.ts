import { readFile, stat } from "node:fs/promises";
import { resolve as resolvePath } from "node:path";
import type { Platform } from "../model/image.js";
import { createDockerArchiveSource } from "./docker-archive-source.js";
import {
  type DockerConfig,
  findCredentials,
  normalizeRegistryKey,
  type RegistryCredentials,
  readDockerConfig,
} from "./docker-config.js";
import { LocalSourceError } from "./errors.js";
import type { HttpClient, HttpClientOptions } from "./http-client.js";
import { formatImageReference, parseImageReference } from "./image-reference.js";
import type { ImageSource, ResolveOptions } from "./image-source.js";
import { directoryLayoutFiles } from "./layout-files.js";
import { createLimitedHttpClient } from "./limited-http-client.js";
import { createNodeHttpClient } from "./node-http-client.js";
import { createOciArchiveSource } from "./oci-archive-source.js";
import { createOciLayoutSource } from "./oci-layout-source.js";
import { parsePlatform } from "./platform.js";
import { RegistryClient } from "./registry-client.js";
import type { RegistryLimits } from "./registry-limits.js";
import { createRegistrySource } from "./registry-source.js";
import { createRetryPolicy, type RetryPolicy } from "./retry-policy.js";

/**
 * One entry point from a user's image argument to an {@link ImageSource}, by prefix:
 * `oci:DIR[:TAG]`, `oci-archive:FILE[:TAG]`, `docker-archive:FILE[:REPO:TAG]`, anything
 * else a registry reference (optionally written `docker://REF`, as skopeo does). Plain HTTP is used for registries listed as insecure and, by
 * default, for loopback registries that do not speak TLS (as Docker and Trivy allow);
 * every other registry is HTTPS only.
 */

/** Options of {@link openImageSource}. */
export interface OpenImageSourceOptions {
  /** Default platform for `resolve()` (a `Platform` or `linux/arm64/v8`); default linux/amd64. */
  readonly platform?: Platform | string;
  /** Registries (`host[:port]`) that may be reached over plain HTTP. */
  readonly insecureRegistries?: readonly string[];
  /** Allow plain HTTP to loopback registries without listing them; default true. */
  readonly plainHttpForLoopback?: boolean;
  /** A Docker `config.json` to take credentials from. */
  readonly registryConfigFile?: string;
  /** An already parsed config (e.g. from a pull secret); wins over `registryConfigFile`. */
  readonly dockerConfig?: DockerConfig;
  /** Credentials for the image's registry; win over any config file. */
  readonly credentials?: RegistryCredentials;
  /** PEM file(s) with extra CA certificates for HTTPS registries. */
  readonly caFile?: string | readonly string[];
  /** HTTP client to use instead of a new one (tests, the server's shared pool); not closed by the source. */
  readonly httpClient?: HttpClient;
  /**
   * Builds the source's own HTTP client (from `caFile` and `timeouts`) when `httpClient` is
   * not given; the source closes it. Default {@link createNodeHttpClient}; pass
   * `createUndiciHttpClient` for undici.
   */
  readonly createHttpClient?: (options: HttpClientOptions) => HttpClient;
  /** Retry settings (attempts, delays, an injectable sleep). */
  readonly retry?: Partial<RetryPolicy>;
  /**
   * Per-host concurrency and bandwidth limits for registry requests, shared by every source a
   * process opens (see registry-limits.ts); none when absent. `scanImage` and
   * `scanImageTargets` create default ones when not given.
   */
  readonly registryLimits?: RegistryLimits;
  /** Timeouts of the client `createHttpClient` builds. */
  readonly timeouts?: {
    readonly connectMs?: number;
    readonly headersMs?: number;
    readonly bodyMs?: number;
  };
}

/** What an image argument names. */
export type ImageSourceTarget =
  | { readonly kind: "registry"; readonly reference: string }
  | { readonly kind: "oci" | "oci-archive" | "docker-archive"; readonly path: string; readonly tag?: string };

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Split `PREFIX:PATH[:TAG]`. The path itself may contain colons, so the longest prefix that
 * exists on disk wins; failing that, OCI tags (which cannot contain `:`) split at the last
 * colon and docker-archive references (`repo:tag`) at the first.
 */
async function splitPathAndTag(
  rest: string,
  tagMayHaveColon: boolean,
): Promise<{ path: string; tag?: string }> {
  if (await exists(rest)) return { path: rest };
  const colons = [...rest.matchAll(/:/g)].map((m) => m.index);
  const order = tagMayHaveColon ? colons : [...colons].reverse();
  for (const i of order) {
    if (i > 0 && (await exists(rest.slice(0, i)))) return { path: rest.slice(0, i), tag: rest.slice(i + 1) };
  }
  return { path: rest };
}

/** Tell which kind of source an image argument names (checks the disk to split path and tag). */
export async function parseImageSourceTarget(ref: string): Promise<ImageSourceTarget> {
  for (const kind of ["oci-archive", "docker-archive", "oci"] as const) {
    const prefix = `${kind}:`;
    if (ref.startsWith(prefix)) {
      const { path, tag } = await splitPathAndTag(ref.slice(prefix.length), kind === "docker-archive");
      if (path === "") throw new LocalSourceError(ref, `write it as ${kind}:PATH`);
      return { kind, path: resolvePath(path), ...(tag ? { tag } : {}) };
    }
  }
  // skopeo's transport syntax for a registry image.
  return { kind: "registry", reference: ref.startsWith("docker://") ? ref.slice("docker://".length) : ref };
}

function withDefaultPlatform(
  source: ImageSource,
  platform: Platform | undefined,
  onClose?: () => Promise<void>,
): ImageSource {
  if (!platform && !onClose) return source;
  return {
    description: source.description,
    resolve: (options: ResolveOptions = {}) =>
      source.resolve({ ...options, platform: options.platform ?? platform }),
    openBlob: (descriptor, options) => source.openBlob(descriptor, options),
    async close() {
      await source.close?.();
      await onClose?.();
    },
  };
}

/** Open the image source an argument names; see the module comment for the syntax. */
export async function openImageSource(
  ref: string,
  options: OpenImageSourceOptions = {},
): Promise<ImageSource> {
  const platform = typeof options.platform === "string" ? parsePlatform(options.platform) : options.platform;
  const target = await parseImageSourceTarget(ref);
  if (target.kind === "oci") {
    const s = await stat(target.path).catch(() => undefined);
    if (!s?.isDirectory()) {
      throw new LocalSourceError(target.path, "it is not a directory; oci: expects an OCI layout directory");
    }
    const source = createOciLayoutSource({
      files: directoryLayoutFiles(target.path, `OCI layout ${target.path}`),
      reference: `oci:${target.path}${target.tag !== undefined ? `:${target.tag}` : ""}`,
      ...(target.tag !== undefined ? { tag: target.tag } : {}),
    });
    return withDefaultPlatform(source, platform);
  }
  if (target.kind === "oci-archive") {
    return withDefaultPlatform(
      await createOciArchiveSource({
        path: target.path,
        ...(target.tag !== undefined ? { tag: target.tag } : {}),
      }),
      platform,
    );
  }
  if (target.kind === "docker-archive") {
    return withDefaultPlatform(
      await createDockerArchiveSource({
        path: target.path,
        ...(target.tag !== undefined ? { tag: target.tag } : {}),
      }),
      platform,
    );
  }

  if (target.kind !== "registry") throw new LocalSourceError(ref, "unknown source kind");
  const reference = parseImageReference(target.reference);
  const config =
    options.dockerConfig ??
    (options.registryConfigFile ? await readDockerConfig(options.registryConfigFile) : undefined);
  const credentials =
    options.credentials ??
    (config ? findCredentials(config, reference.registry, reference.repository) : undefined);
  const registryKey = normalizeRegistryKey(reference.registry);
  const helper =
    config && !credentials && (config.credsStore || config.helperRegistries.includes(registryKey));
  let httpClient = options.httpClient;
  let closeClient: (() => Promise<void>) | undefined;
  if (!httpClient) {
    const files =
      options.caFile === undefined
        ? []
        : typeof options.caFile === "string"
          ? [options.caFile]
          : options.caFile;
    const ca: Buffer[] = [];
    for (const file of files) {
      try {
        ca.push(await readFile(file));
      } catch (error) {
        throw new LocalSourceError(file, "the CA certificate file cannot be read", { cause: error });
      }
    }
    const t = options.timeouts ?? {};
    const create = options.createHttpClient ?? createNodeHttpClient;
    const client = create({
      ...(ca.length > 0 ? { ca } : {}),
      ...(t.connectMs !== undefined ? { connectTimeoutMs: t.connectMs } : {}),
      ...(t.headersMs !== undefined ? { headersTimeoutMs: t.headersMs } : {}),
      ...(t.bodyMs !== undefined ? { bodyTimeoutMs: t.bodyMs } : {}),
    });
    httpClient = client;
    closeClient = () => client.close?.() ?? Promise.resolve();
  }
  if (options.registryLimits) httpClient = createLimitedHttpClient(httpClient, options.registryLimits);
  const retry = createRetryPolicy(options.retry);
  const insecure = (options.insecureRegistries ?? []).some((h) => normalizeRegistryKey(h) === registryKey);
  const client = new RegistryClient({
    registry: reference.registry,
    httpClient,
    retry,
    insecure,
    ...(options.plainHttpForLoopback !== undefined
      ? { plainHttpForLoopback: options.plainHttpForLoopback }
      : {}),
    ...(credentials ? { credentials } : {}),
    ...(credentials && config && !options.credentials ? { credentialsSource: config.source } : {}),
    ...(helper
      ? {
          missingCredentialsHint: `${config.source} names a credential helper for it, which Vigil does not run; put the credentials in "auths"`,
        }
      : {}),
  });
  const source = createRegistrySource({ reference, client, retry });
  return withDefaultPlatform(source, platform, closeClient);
}

/** The normalized form of a registry reference (`alpine` → `docker.io/library/alpine:latest`). */
export function normalizeImageReference(ref: string): string {
  return formatImageReference(parseImageReference(ref));
}
