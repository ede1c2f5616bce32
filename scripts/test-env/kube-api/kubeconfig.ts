import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** Options of {@link writeKubeconfig}. */
export interface KubeconfigOptions {
  /** Name of the context (and of its cluster and user entries); default `vigil-test`. */
  readonly context?: string;
  /** The context's default namespace; none by default (kubectl then uses `default`). */
  readonly namespace?: string;
  /** Bearer token to put in; default the server's first token. */
  readonly token?: string;
}

/** What a kubeconfig points at. */
export interface KubeconfigTarget {
  readonly server: string;
  readonly token: string;
  /** PEM of the CA to trust, for an https server; embedded as certificate-authority-data. */
  readonly caPem?: string;
}

// Double-quoted YAML scalars are JSON strings, so JSON.stringify quotes any value safely.
const q = (value: string): string => JSON.stringify(value);

/**
 * Writes a kubeconfig (mode 0600, as kubectl writes them) with one cluster, user and context,
 * current-context set; returns `path`. kubectl and @kubernetes/client-node both read it.
 */
export function writeKubeconfig(
  path: string,
  target: KubeconfigTarget,
  options: KubeconfigOptions = {},
): string {
  const name = options.context ?? "vigil-test";
  const cluster = [`- name: ${q(name)}`, "  cluster:", `    server: ${q(target.server)}`];
  if (target.caPem) {
    cluster.push(`    certificate-authority-data: ${q(Buffer.from(target.caPem).toString("base64"))}`);
  }
  const context = [`- name: ${q(name)}`, "  context:", `    cluster: ${q(name)}`, `    user: ${q(name)}`];
  if (options.namespace) context.push(`    namespace: ${q(options.namespace)}`);
  const lines = [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    ...cluster,
    "contexts:",
    ...context,
    `current-context: ${q(name)}`,
    "users:",
    `- name: ${q(name)}`,
    "  user:",
    `    token: ${q(options.token ?? target.token)}`,
    "preferences: {}",
  ];
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${lines.join("\n")}\n`, { mode: 0o600 });
  return path;
}
