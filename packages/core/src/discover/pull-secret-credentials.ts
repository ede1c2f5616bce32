import type { PullSecretRef, RunningContainer } from "../model/running-container.js";
import { type DockerConfig, parseDockerConfig, type RegistryCredentials } from "../registry/docker-config.js";
import { DockerConfigError } from "../registry/errors.js";
import { type DiscoveryIssue, objectIssue } from "./discovery-issue.js";
import { isScopedApiError } from "./kubernetes-api-error.js";
import type { KubeSecret } from "./kubernetes-objects.js";
import type { KubernetesReader } from "./kubernetes-reader.js";

/**
 * Registry credentials from the pull secrets a container's pod names, as the kubelet uses
 * them (https://kubernetes.io/docs/concepts/containers/images/#specifying-imagepullsecrets-on-a-pod):
 * secrets of type `kubernetes.io/dockerconfigjson` (key `.dockerconfigjson`, a Docker
 * `config.json`) or `kubernetes.io/dockercfg` (key `.dockercfg`, the legacy bare `auths`
 * map); any other type is ignored, as the kubelet does. Secrets are read with `get` only,
 * decoded in memory and kept only by this object, for one scan. Nothing here logs them, and
 * no issue or error carries their content: an unusable secret is an issue naming it, and the
 * image is then pulled with the remaining secrets, or anonymously.
 *
 * Credentials the node has of its own (a kubelet credential provider for ECR, GCR or ACR, or
 * the node's `config.json`) cannot be seen from the API; such images need registry
 * credentials configured for Vigil itself.
 */

/** Options of {@link createPullSecretCredentials}. */
export interface PullSecretCredentialsOptions {
  readonly reader: KubernetesReader;
  readonly signal?: AbortSignal;
}

/** The credentials for one container, and what went wrong reading its secrets. */
export interface PullCredentials {
  /** Merged from the container's pull secrets; absent when none gave credentials (pull anonymously). */
  readonly config?: DockerConfig;
  /** One issue per unusable secret of this container (the same objects for every container naming it). */
  readonly issues: readonly DiscoveryIssue[];
}

/** Resolves a container's pull secrets to registry credentials, reading each secret once. */
export interface PullSecretCredentials {
  credentialsFor(container: Pick<RunningContainer, "pullSecrets">): Promise<PullCredentials>;
}

/** Secret type and data key of a `config.json`-shaped pull secret. */
export const DOCKER_CONFIG_JSON_TYPE = "kubernetes.io/dockerconfigjson";
/** Secret type and data key of a legacy `.dockercfg` pull secret. */
export const DOCKER_CFG_TYPE = "kubernetes.io/dockercfg";

const DATA_KEY: Readonly<Record<string, string>> = {
  [DOCKER_CONFIG_JSON_TYPE]: ".dockerconfigjson",
  [DOCKER_CFG_TYPE]: ".dockercfg",
};

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A secret read: its credentials, or the issue that explains why there are none. */
export type PullSecretReading =
  | { readonly config: DockerConfig; readonly issue?: undefined }
  | { readonly config?: undefined; readonly issue: DiscoveryIssue };

function secretIssue(
  severity: "warning" | "info",
  code: string,
  ref: PullSecretRef,
  message: string,
): PullSecretReading {
  return { issue: objectIssue(severity, code, message, "Secret", ref.namespace, ref.name) };
}

/**
 * Decode one pull secret. The messages name the secret and the problem, never a value:
 * a parser's own error text (which may quote the input) is not passed on.
 */
export function readPullSecret(secret: KubeSecret, ref: PullSecretRef): PullSecretReading {
  const where = `Secret ${ref.namespace}/${ref.name}`;
  const type = secret.type ?? "";
  const key = DATA_KEY[type];
  if (key === undefined) {
    return secretIssue(
      "warning",
      "pull-secret-wrong-type",
      ref,
      `${where} is named in imagePullSecrets but has type "${type || "Opaque"}"; the kubelet uses only ` +
        `${DOCKER_CONFIG_JSON_TYPE} and ${DOCKER_CFG_TYPE} secrets there, so it is ignored.`,
    );
  }
  const encoded = secret.data?.[key];
  if (encoded === undefined || encoded === "") {
    return secretIssue(
      "warning",
      "pull-secret-malformed",
      ref,
      `${where} (type ${type}) has no ${key} data; it is ignored.`,
    );
  }
  const compact = encoded.replace(/\s+/g, "");
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) {
    return secretIssue(
      "warning",
      "pull-secret-malformed",
      ref,
      `${where}: its ${key} is not base64; it is ignored.`,
    );
  }
  try {
    const parsed = parseDockerConfig(Buffer.from(compact, "base64").toString("utf8"), where);
    // Credential helpers run programs on the node's side, never for pull secrets: drop them.
    return { config: { source: where, auths: parsed.auths, helperRegistries: [] } };
  } catch (error) {
    if (!(error instanceof DockerConfigError)) throw error;
    // DockerConfigError messages name the problem and at most a registry key; the cause
    // (a JSON SyntaxError quoting the input) is deliberately not kept.
    return secretIssue("warning", "pull-secret-malformed", ref, `${error.message} It is ignored.`);
  }
}

/** Merge secrets in order: for each registry key the first secret that has it wins, like the kubelet's keyring. */
export function mergeDockerConfigs(configs: readonly DockerConfig[]): DockerConfig | undefined {
  if (configs.length === 0) return undefined;
  const auths = new Map<string, RegistryCredentials>();
  for (const config of configs) {
    for (const [registry, credentials] of config.auths) {
      if (!auths.has(registry)) auths.set(registry, credentials);
    }
  }
  return {
    source: `pull secrets ${configs.map((c) => c.source.replace(/^Secret /, "")).join(", ")}`,
    auths,
    helperRegistries: [],
  };
}

/** Create the resolver; it caches each secret (decoded, in memory) for its own lifetime. */
export function createPullSecretCredentials(options: PullSecretCredentialsOptions): PullSecretCredentials {
  const { reader, signal } = options;
  const secrets = new Map<string, Promise<PullSecretReading>>();

  async function load(ref: PullSecretRef): Promise<PullSecretReading> {
    let secret: KubeSecret;
    try {
      secret = await reader.getSecret({
        namespace: ref.namespace,
        name: ref.name,
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (!isScopedApiError(error)) throw error;
      const said = `${error.status} ${error.reason}${error.serverMessage ? `: ${error.serverMessage}` : ""}`;
      return secretIssue(
        "warning",
        error.status === 404 ? "pull-secret-missing" : "pull-secret-unreadable",
        ref,
        error.status === 404
          ? `Secret ${ref.namespace}/${ref.name} is named in imagePullSecrets but does not exist (${said}); images are pulled without it.`
          : `Cannot get Secret ${ref.namespace}/${ref.name} (${said}); images are pulled without it.` +
              (error.status === 403
                ? " Grant get on the pull secrets (the ClusterRole in deploy/rbac.yaml) to use them."
                : ""),
      );
    }
    return readPullSecret(secret, ref);
  }

  return {
    async credentialsFor(container) {
      const readings = await Promise.all(
        container.pullSecrets.map((ref) => {
          const key = `${ref.namespace}/${ref.name}`;
          let reading = secrets.get(key);
          if (!reading) {
            reading = load(ref);
            secrets.set(key, reading);
          }
          return reading;
        }),
      );
      const configs = readings.flatMap((r) => (r.config ? [r.config] : []));
      const issues = readings.flatMap((r) => (r.issue ? [r.issue] : []));
      const config = mergeDockerConfigs(configs);
      return { ...(config ? { config } : {}), issues };
    },
  };
}
