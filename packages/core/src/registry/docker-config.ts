import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { DockerConfigError } from "./errors.js";
import { DEFAULT_REGISTRY } from "./image-reference.js";

/**
 * Registry credentials from a Docker `config.json`
 * (https://docs.docker.com/reference/cli/docker/#docker-cli-configuration-file-configjson-properties),
 * a Kubernetes pull secret (`.dockerconfigjson` has the same shape; legacy `.dockercfg` is the
 * bare `auths` map) or a containers `auth.json` (which also allows `host/namespace` keys).
 * Credential helpers (`credsStore`, `credHelpers`) run external programs and are not
 * supported; they are recorded so an auth error can say so.
 */

/** Credentials for one registry. */
export interface RegistryCredentials {
  readonly username?: string;
  readonly password?: string;
  /** An OAuth2 refresh token (`identitytoken`), exchanged at the token endpoint. */
  readonly identityToken?: string;
  /** A bearer token sent as is (`registrytoken`). */
  readonly registryToken?: string;
}

/** A parsed Docker config: credentials keyed by normalized registry (or `registry/namespace`). */
export interface DockerConfig {
  /** Where it was read from, for messages. */
  readonly source: string;
  readonly auths: ReadonlyMap<string, RegistryCredentials>;
  /** Registries for which a credential helper is configured (not supported). */
  readonly helperRegistries: readonly string[];
  /** The global `credsStore`, if set (not supported). */
  readonly credsStore?: string;
}

const HUB_ALIASES = new Set([
  "docker.io",
  "index.docker.io",
  "registry-1.docker.io",
  "registry.hub.docker.com",
]);

/**
 * Normalize an `auths` key or registry name: drop the scheme and the `/v1/`-style API path,
 * lowercase the host, and map Docker Hub's aliases (`https://index.docker.io/v1/`) to `docker.io`.
 * A key with a repository path (`quay.io/org`) keeps the path.
 */
export function normalizeRegistryKey(key: string): string {
  let k = key.trim().replace(/^[a-z]+:\/\//i, "");
  k = k.replace(/\/+$/, "");
  const slash = k.indexOf("/");
  let host = (slash >= 0 ? k.slice(0, slash) : k).toLowerCase();
  let path = slash >= 0 ? k.slice(slash + 1) : "";
  if (/^v[12](\/|$)/.test(path)) path = "";
  if (HUB_ALIASES.has(host)) host = DEFAULT_REGISTRY;
  return path ? `${host}/${path}` : host;
}

function decodeAuth(auth: string, where: string, key: string): { username: string; password: string } {
  const decoded = Buffer.from(auth, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) {
    throw new DockerConfigError(
      where,
      `the "auth" of "${key}" is not base64 of "user:password"; run docker login again`,
    );
  }
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function asString(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** Parse the text of a config.json / pull secret; throws {@link DockerConfigError}. */
export function parseDockerConfig(text: string, where = "config.json"): DockerConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DockerConfigError(where, "it is not valid JSON", { cause: error });
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new DockerConfigError(where, "it is not a JSON object");
  }
  const root = json as Record<string, unknown>;
  // Legacy `.dockercfg`: the auths map itself, no "auths" key.
  const hasKnownKey = ["auths", "credsStore", "credHelpers"].some((k) => k in root);
  const authsRaw = hasKnownKey ? root.auths : root;
  const auths = new Map<string, RegistryCredentials>();
  if (authsRaw !== undefined && authsRaw !== null) {
    if (typeof authsRaw !== "object" || Array.isArray(authsRaw)) {
      throw new DockerConfigError(where, '"auths" is not an object');
    }
    for (const [key, value] of Object.entries(authsRaw as Record<string, unknown>)) {
      if (value === null || typeof value !== "object") continue;
      const entry = value as Record<string, unknown>;
      const auth = asString(entry.auth);
      const fromAuth = auth ? decodeAuth(auth, where, key) : undefined;
      const username = asString(entry.username) ?? fromAuth?.username;
      const password = asString(entry.password) ?? fromAuth?.password;
      const identityToken = asString(entry.identitytoken);
      const registryToken = asString(entry.registrytoken);
      const creds: RegistryCredentials = {
        ...(username !== undefined ? { username } : {}),
        ...(password !== undefined ? { password } : {}),
        ...(identityToken !== undefined ? { identityToken } : {}),
        ...(registryToken !== undefined ? { registryToken } : {}),
      };
      if (Object.keys(creds).length > 0) auths.set(normalizeRegistryKey(key), creds);
    }
  }
  const helpers = root.credHelpers;
  const helperRegistries =
    helpers && typeof helpers === "object" ? Object.keys(helpers).map((k) => normalizeRegistryKey(k)) : [];
  const credsStore = asString(root.credsStore);
  return { source: where, auths, helperRegistries, ...(credsStore !== undefined ? { credsStore } : {}) };
}

/** Read and parse a config.json file; throws {@link DockerConfigError}. */
export async function readDockerConfig(path: string): Promise<DockerConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new DockerConfigError(
      path,
      "the file cannot be read; check the path given for the registry config",
      {
        cause: error,
      },
    );
  }
  return parseDockerConfig(text, path);
}

/**
 * The credentials for a registry (and optionally a repository in it): the most specific
 * `registry/namespace…` key wins, then the registry itself.
 */
export function findCredentials(
  config: DockerConfig,
  registry: string,
  repository?: string,
): RegistryCredentials | undefined {
  const host = normalizeRegistryKey(registry);
  if (repository) {
    const parts = repository.split("/");
    for (let n = parts.length; n > 0; n--) {
      const found = config.auths.get(`${host}/${parts.slice(0, n).join("/")}`);
      if (found) return found;
    }
  }
  return config.auths.get(host);
}

/**
 * Where Docker looks for its config: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
 * Core reads no environment itself; the CLI passes `process.env` and the home directory.
 */
export function defaultDockerConfigPath(
  env: Readonly<Record<string, string | undefined>>,
  home: string,
): string {
  const dir = env.DOCKER_CONFIG;
  return dir ? join(dir, "config.json") : join(home, ".docker", "config.json");
}
