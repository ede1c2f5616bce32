import {
  badRequest,
  EXPIRED_LIST_MESSAGE,
  expired,
  INCONSISTENT_CONTINUE_MESSAGE,
  tooLargeResourceVersion,
} from "./api-status.js";
import { ContinueTokenError, decodeContinue, encodeContinue } from "./continue-token.js";
import { type ListOptions, parseResourceVersion } from "./list-options.js";
import type { ObjectStore, StoredObject } from "./object-store.js";
import type { ResourceType } from "./resource-catalog.js";

/** The `metadata` of a list answer (metav1.ListMeta). */
export interface ListMeta {
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

/** A list answer before serialization. */
export interface ListResult {
  readonly items: readonly StoredObject[];
  readonly metadata: ListMeta;
}

/** The first index in sorted `keys` whose key is not below `target`. */
function lowerBound(keys: readonly string[], target: string): number {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((keys[mid] as string) < target) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The smallest string above every string starting with `prefix` ("" has no end). */
function prefixEnd(prefix: string): string | undefined {
  if (prefix === "") return undefined;
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

interface ReadPlan {
  /** The resourceVersion to read at. */
  readonly snapshot: number;
  /** Paginate by `limit` (etcd) or not (served from the watch cache, which ignores limit). */
  readonly paginate: boolean;
  /** Key to start at (inclusive), relative to the list prefix. */
  readonly startKey?: string;
}

/**
 * Decides where and how to read, following apiserver 1.32: cacher.shouldDelegateList picks watch
 * cache or etcd, storage.ValidateListOptions the etcd revision.
 * - `continue`: etcd at the token's snapshot (410 once compacted, with a token that continues at
 *   the latest resourceVersion); rv -1 tokens continue at the latest.
 * - no resourceVersion: the latest, paginated when `limit` is set.
 * - `resourceVersion=0`: the watch cache, the latest, `limit` ignored.
 * - `resourceVersion=N` with `resourceVersionMatch=Exact`, or without a match but with `limit`:
 *   etcd exactly at N (410 once compacted).
 * - `resourceVersion=N`, otherwise (NotOlderThan): the latest, paginated only with `limit`;
 *   504 when N is ahead of the server.
 */
function readPlan(store: ObjectStore, options: ListOptions): ReadPlan {
  const current = store.resourceVersion;
  const paginate = options.limit > 0;
  if (options.continueToken) {
    let position: ReturnType<typeof decodeContinue>;
    try {
      position = decodeContinue(options.continueToken);
    } catch (error) {
      if (error instanceof ContinueTokenError) throw badRequest(`invalid continue token: ${error.message}`);
      throw error;
    }
    if (options.resourceVersion && options.resourceVersion !== "0") {
      throw badRequest("specifying resource version is not allowed when using continue");
    }
    if (position.resourceVersion < 0) return { snapshot: current, paginate, startKey: position.startKey };
    if (position.resourceVersion < store.compactedResourceVersion) {
      throw expired(
        INCONSISTENT_CONTINUE_MESSAGE,
        encodeContinue({ resourceVersion: -1, startKey: position.startKey }),
      );
    }
    if (position.resourceVersion > current) throw tooLargeResourceVersion(position.resourceVersion, current);
    return { snapshot: position.resourceVersion, paginate, startKey: position.startKey };
  }
  const rv = options.resourceVersion;
  if (rv === undefined || rv === "") return { snapshot: current, paginate };
  const requested = parseResourceVersion(rv);
  if (requested === 0) return { snapshot: current, paginate: false };
  const exact =
    options.resourceVersionMatch === "Exact" || (options.resourceVersionMatch === undefined && paginate);
  if (requested > current) throw tooLargeResourceVersion(requested, current);
  if (!exact) return { snapshot: current, paginate };
  if (requested < store.compactedResourceVersion) throw expired(EXPIRED_LIST_MESSAGE);
  return { snapshot: requested, paginate };
}

/**
 * Lists the objects of `type` (in `namespace`, or all), like apiserver's etcd3 GetList: key order,
 * selectors applied while scanning, a page ends after `limit` matches, and the continue token
 * points just past the last key examined. `remainingItemCount` is set only without selectors,
 * because the store cannot count matches it has not examined.
 * @throws KubeApiError 400, 410 or 504 as a real server answers
 */
export function listObjects(
  store: ObjectStore,
  type: ResourceType,
  namespace: string | undefined,
  options: ListOptions,
): ListResult {
  const plan = readPlan(store, options);
  const view = store.view(type, plan.snapshot);
  const prefix = type.namespaced && namespace !== undefined ? `${namespace}/` : "";
  const start = plan.startKey === undefined ? prefix : prefix + plan.startKey;
  const end = prefixEnd(prefix);
  const keys = view.keys;
  const endIndex = end === undefined ? keys.length : lowerBound(keys, end);
  const limit = plan.paginate ? options.limit : Number.POSITIVE_INFINITY;
  const selectAll =
    options.labelSelector.requirements.length === 0 && options.fieldSelector.requirements.length === 0;
  const items: StoredObject[] = [];
  let lastKey: string | undefined;
  let index = lowerBound(keys, start);
  let hasMore = false;
  for (; index < endIndex; index++) {
    if (items.length >= limit) {
      hasMore = true;
      break;
    }
    const key = keys[index] as string;
    lastKey = key;
    const stored = view.get(key);
    if (!stored) continue;
    if (
      selectAll ||
      (options.labelSelector.matches(stored.object.metadata.labels) &&
        options.fieldSelector.matches(stored.object))
    ) {
      items.push(stored);
    }
  }
  const metadata: ListMeta = { resourceVersion: String(plan.snapshot) };
  if (hasMore && lastKey !== undefined) {
    metadata.continue = encodeContinue({
      resourceVersion: plan.snapshot,
      startKey: `${lastKey.slice(prefix.length)}\u0000`,
    });
    if (selectAll) metadata.remainingItemCount = endIndex - index;
  }
  return { items, metadata };
}
