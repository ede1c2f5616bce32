import { KubernetesApiError, KubernetesConnectionError } from "@vigil/core";
import { KubeConfigError, type LoadedKubeConfig, loadKubeConfig } from "@vigil/server";
import { CliError } from "../cli-error.js";

/** The kubeconfig context a cluster command names (`--kubeconfig`, `--context`), as a CliError when unusable. */
export function loadCliKubeConfig(
  kubeconfig: string | undefined,
  context: string | undefined,
): LoadedKubeConfig {
  try {
    return loadKubeConfig({
      ...(kubeconfig ? { kubeconfigPath: kubeconfig } : {}),
      ...(context ? { context } : {}),
    });
  } catch (error) {
    if (error instanceof KubeConfigError) {
      throw new CliError(error.message, "Check --kubeconfig and --context.", 2, { cause: error });
    }
    throw error;
  }
}

/**
 * A Kubernetes error that stopped a whole cluster command (credentials refused, no answer) as
 * a CliError that says what to check: `doing` is e.g. `cannot scan cluster prod (https://…)`.
 * Other errors are returned as they are.
 */
export function clusterCommandError(error: unknown, doing: string): unknown {
  if (!(error instanceof KubernetesApiError || error instanceof KubernetesConnectionError)) return error;
  return new CliError(
    `${doing}: ${error.message}`,
    error instanceof KubernetesApiError && error.status === 401
      ? "The API server refused the credentials of this kubeconfig context."
      : "Check that the API server is reachable with this kubeconfig context.",
    2,
    { cause: error },
  );
}
