import { isKubernetesApiError, type KubernetesApiError } from "./kubernetes-api-error.js";
import type { KubeList } from "./kubernetes-objects.js";

/**
 * Read a paginated list to its end. A continue token the server no longer honours is
 * answered with 410 Gone (`Expired`): the snapshot the pages come from was compacted away.
 * As the API documents
 * (https://kubernetes.io/docs/reference/using-api/api-concepts/#retrieving-large-results-sets-in-chunks),
 * a client that needs a consistent list starts over without the token; this is done once,
 * and a second expiry is a {@link ListExpiredError}.
 */

/** Default `limit` of a list page, as kubectl uses. */
export const DEFAULT_LIST_PAGE_SIZE = 500;

/** A paginated list expired twice while being read. */
export class ListExpiredError extends Error {
  constructor(
    readonly what: string,
    options: { readonly cause: KubernetesApiError },
  ) {
    super(
      `The list of ${what} expired twice while its pages were read (410 ${options.cause.reason}` +
        `${options.cause.serverMessage ? `: ${options.cause.serverMessage}` : ""}). The API server discarded the ` +
        "list's snapshot before the last page (etcd compaction runs every 5 minutes by default). " +
        "Retry; if it persists, use a larger page size so the list is read faster.",
      options,
    );
    this.name = "ListExpiredError";
  }
}

/** Every item of a list, page after page; `fetchPage` gets the continue token (absent for the first page). */
export async function listAllPages<T>(
  what: string,
  fetchPage: (continueToken: string | undefined) => Promise<KubeList<T>>,
  signal?: AbortSignal,
): Promise<{ readonly items: T[]; readonly restarts: number }> {
  for (let restarts = 0; ; restarts++) {
    const items: T[] = [];
    let token: string | undefined;
    try {
      do {
        signal?.throwIfAborted();
        const page = await fetchPage(token);
        items.push(...page.items);
        token = page.metadata?.continue || undefined;
      } while (token !== undefined);
      return { items, restarts };
    } catch (error) {
      if (isKubernetesApiError(error, 410) && token !== undefined) {
        if (restarts === 0) continue;
        throw new ListExpiredError(what, { cause: error });
      }
      throw error;
    }
  }
}
