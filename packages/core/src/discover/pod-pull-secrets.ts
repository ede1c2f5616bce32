import type { PullSecretRef } from "../model/running-container.js";
import { type DiscoveryIssue, objectIssue } from "./discovery-issue.js";
import { isScopedApiError } from "./kubernetes-api-error.js";
import type { KubeLocalObjectReference, KubePod } from "./kubernetes-objects.js";
import type { KubernetesReader } from "./kubernetes-reader.js";

/**
 * The pull secrets that apply to a pod: its own `spec.imagePullSecrets`, then its service
 * account's, without repeats. The ServiceAccount admission plugin copies the account's
 * secrets into a pod only when the pod names none, and only when the pod is created; reading
 * the account as well catches secrets added to it since, which the next rollout will use.
 * Service accounts are read with `get`, once each.
 */

/** Options of {@link createPodPullSecrets}. */
export interface PodPullSecretsOptions {
  readonly reader: KubernetesReader;
  readonly signal?: AbortSignal;
  /** Receives each service-account issue once (per account, not per pod). */
  readonly onIssue: (issue: DiscoveryIssue) => void;
}

/** Lists a pod's pull secrets, caching service accounts for its lifetime (one discovery run). */
export interface PodPullSecrets {
  pullSecretsOf(pod: KubePod): Promise<readonly PullSecretRef[]>;
}

/** The account a pod runs as when its spec names none. */
export const DEFAULT_SERVICE_ACCOUNT = "default";

function names(refs: readonly KubeLocalObjectReference[] | undefined): string[] {
  return (refs ?? []).map((ref) => ref.name ?? "").filter((name) => name !== "");
}

/** Create the resolver. */
export function createPodPullSecrets(options: PodPullSecretsOptions): PodPullSecrets {
  const { reader, signal, onIssue } = options;
  const accounts = new Map<string, Promise<readonly string[]>>();

  async function accountSecrets(namespace: string, name: string): Promise<readonly string[]> {
    try {
      const account = await reader.getServiceAccount({ namespace, name, ...(signal ? { signal } : {}) });
      return names(account.imagePullSecrets);
    } catch (error) {
      if (!isScopedApiError(error)) throw error;
      onIssue(
        objectIssue(
          error.status === 404 ? "info" : "warning",
          "service-account-unreadable",
          `Cannot get ServiceAccount ${namespace}/${name} (${error.status} ${error.reason}` +
            `${error.serverMessage ? `: ${error.serverMessage}` : ""}); only the pods' own imagePullSecrets are used.` +
            (error.status === 403
              ? " Grant get on serviceaccounts (the ClusterRole in deploy/rbac.yaml) to use the account's pull secrets too."
              : ""),
          "ServiceAccount",
          namespace,
          name,
        ),
      );
      return [];
    }
  }

  return {
    async pullSecretsOf(pod) {
      const namespace = pod.metadata.namespace ?? "";
      const account = pod.spec?.serviceAccountName || DEFAULT_SERVICE_ACCOUNT;
      const key = `${namespace}/${account}`;
      let fromAccount = accounts.get(key);
      if (!fromAccount) {
        fromAccount = accountSecrets(namespace, account);
        accounts.set(key, fromAccount);
      }
      const ordered = [...names(pod.spec?.imagePullSecrets), ...(await fromAccount)];
      return [...new Set(ordered)].map((name) => ({ namespace, name }));
    },
  };
}
