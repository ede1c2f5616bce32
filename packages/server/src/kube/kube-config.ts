import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";

/**
 * Loading a kubeconfig and choosing its context, with kubectl's loading rules
 * (https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/):
 * an explicit file; else every file of `$KUBECONFIG`, merged, the first one winning; else
 * `~/.kube/config`; else the pod's service account when running inside a cluster (the
 * agent). Unlike `@kubernetes/client-node`'s `loadFromDefault`, finding nothing is an error,
 * not a silent `http://localhost:8080`.
 */

/** A kubeconfig that cannot be read, or a context that is not in it. */
export class KubeConfigError extends Error {
  constructor(message: string, options?: { readonly cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "KubeConfigError";
  }
}

/** Where to load from; every field is optional (default loading rules, current context). */
export interface LoadKubeConfigOptions {
  /** A kubeconfig file; without it, the default loading rules apply. */
  readonly kubeconfigPath?: string;
  /** The context to use; without it, the kubeconfig's `current-context`. */
  readonly context?: string;
  /** The environment to read `KUBECONFIG` from; `process.env` by default. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The home directory for `~/.kube/config`; `os.homedir()` by default. */
  readonly home?: string;
}

/** A loaded kubeconfig with its context selected. */
export interface LoadedKubeConfig {
  readonly kubeConfig: KubeConfig;
  /** The selected context's name. */
  readonly context: string;
  /** The API server URL of the context's cluster. */
  readonly server: string;
  /** {@link defaultClusterId} of the context. */
  readonly clusterId: string;
  /** Where the configuration came from: file paths, or `in-cluster service account`. */
  readonly source: string;
}

/** One context of a kubeconfig, for `vigil cluster contexts` and the server's settings. */
export interface KubeContextInfo {
  readonly name: string;
  readonly cluster: string;
  readonly user: string;
  readonly namespace?: string;
  /** The cluster's API server URL, when the cluster is defined. */
  readonly server?: string;
  readonly current: boolean;
  /** {@link defaultClusterId} of the context. */
  readonly clusterId: string;
}

/** The service account token every pod gets, which marks "running inside a cluster". */
const IN_CLUSTER_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/**
 * The cluster id a context gets unless one is configured: the context name, lowercased, with
 * every run of characters outside `a-z 0-9 . _ -` turned into `-` (an EKS context
 * `arn:aws:eks:eu-west-1:123456789012:cluster/prod` becomes
 * `arn-aws-eks-eu-west-1-123456789012-cluster-prod`), so it fits URLs, file names and labels.
 */
export function defaultClusterId(contextName: string): string {
  const id = contextName
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[-.]+|[-.]+$/g, "");
  return id === "" ? "cluster" : id;
}

function readFile(path: string): KubeConfig {
  const config = new KubeConfig();
  try {
    // Relative certificate and key paths are made absolute against the file's directory.
    config.loadFromFile(path);
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === "ENOENT"
        ? "the file does not exist"
        : `it is not a valid kubeconfig (${error instanceof Error ? error.message : String(error)})`;
    throw new KubeConfigError(
      `Cannot read kubeconfig ${path}: ${reason}. Check the path (--kubeconfig or KUBECONFIG).`,
      {
        cause: error,
      },
    );
  }
  return config;
}

/** Merge files as kubectl does: the first definition of each name wins, and the first current-context set. */
function readFiles(paths: readonly string[]): KubeConfig {
  const [first, ...rest] = paths.map(readFile);
  const merged = first!;
  for (const next of rest) {
    for (const cluster of next.getClusters())
      if (!merged.getCluster(cluster.name)) merged.addCluster(cluster);
    for (const user of next.getUsers()) if (!merged.getUser(user.name)) merged.addUser(user);
    for (const context of next.getContexts())
      if (!merged.getContextObject(context.name)) merged.addContext(context);
    if (!merged.getCurrentContext() && next.getCurrentContext())
      merged.setCurrentContext(next.getCurrentContext());
  }
  return merged;
}

function loadRaw(options: LoadKubeConfigOptions): { config: KubeConfig; source: string } {
  if (options.kubeconfigPath) {
    return { config: readFiles([options.kubeconfigPath]), source: options.kubeconfigPath };
  }
  const env = options.env ?? process.env;
  const listed = (env.KUBECONFIG ?? "").split(delimiter).filter((p) => p !== "");
  if (listed.length > 0) return { config: readFiles(listed), source: listed.join(delimiter) };
  const home = options.home ?? homedir();
  const personal = join(home, ".kube", "config");
  if (existsSync(personal)) return { config: readFiles([personal]), source: personal };
  if (existsSync(IN_CLUSTER_TOKEN)) {
    const config = new KubeConfig();
    config.loadFromCluster();
    return { config, source: "in-cluster service account" };
  }
  throw new KubeConfigError(
    `No kubeconfig found: KUBECONFIG is not set, ${personal} does not exist and this is not a pod with a ` +
      "service account. Pass --kubeconfig <file>, or set KUBECONFIG.",
  );
}

/** Load a kubeconfig and select a context; throws {@link KubeConfigError}. */
export function loadKubeConfig(options: LoadKubeConfigOptions = {}): LoadedKubeConfig {
  const { config, source } = loadRaw(options);
  const names = config.getContexts().map((c) => c.name);
  const context = options.context ?? config.getCurrentContext();
  if (!context) {
    throw new KubeConfigError(
      `The kubeconfig ${source} has no current context; choose one of: ${names.join(", ") || "(none defined)"}.`,
    );
  }
  const selected = config.getContextObject(context);
  if (!selected) {
    throw new KubeConfigError(
      `Context "${context}" is not in the kubeconfig ${source}; it has: ${names.join(", ") || "(none)"}.`,
    );
  }
  config.setCurrentContext(context);
  const cluster = config.getCluster(selected.cluster);
  if (!cluster?.server) {
    throw new KubeConfigError(
      `Context "${context}" of ${source} names cluster "${selected.cluster}", which is not defined or has no server.`,
    );
  }
  return {
    kubeConfig: config,
    context,
    server: cluster.server,
    clusterId: defaultClusterId(context),
    source,
  };
}

/** The contexts of a kubeconfig (or of the default loading rules when no path is given). */
export function listContexts(
  kubeconfigPath?: string,
  options: Omit<LoadKubeConfigOptions, "kubeconfigPath" | "context"> = {},
): KubeContextInfo[] {
  const { config } = loadRaw({ ...options, ...(kubeconfigPath ? { kubeconfigPath } : {}) });
  const current = config.getCurrentContext();
  return config
    .getContexts()
    .map((c) => {
      const server = config.getCluster(c.cluster)?.server;
      return {
        name: c.name,
        cluster: c.cluster,
        user: c.user,
        ...(c.namespace ? { namespace: c.namespace } : {}),
        ...(server ? { server } : {}),
        current: c.name === current,
        clusterId: defaultClusterId(c.name),
      };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
