import { alreadyExists, notFound } from "./api-status.js";
import { type KubeObject, objectKey } from "./kube-object.js";
import type { ResourceType } from "./resource-catalog.js";

/** The type of a watch event a store change produces. */
export type ChangeType = "ADDED" | "MODIFIED" | "DELETED";

/** One version of one object as stored: immutable, its JSON computed once and reused by every response. */
export class StoredObject {
  readonly type: ResourceType;
  /** The object with `apiVersion`, `kind` and `metadata.resourceVersion` set; never mutated. */
  readonly object: KubeObject;
  readonly resourceVersion: number;
  readonly key: string;
  #json: Buffer | undefined;
  #itemJson: Buffer | undefined;

  constructor(type: ResourceType, object: KubeObject, resourceVersion: number) {
    this.type = type;
    this.object = object;
    this.resourceVersion = resourceVersion;
    this.key = objectKey(type.namespaced, object.metadata.namespace, object.metadata.name ?? "");
  }

  /** The object's UTF-8 JSON as a get or a watch event sends it. */
  json(): Buffer {
    this.#json ??= Buffer.from(JSON.stringify(this.object));
    return this.#json;
  }

  /**
   * The object's UTF-8 JSON as a list item: built-in kinds without `apiVersion` and `kind` (a
   * real server's typed lists leave them out; clients must take them from the list), custom
   * resources with both. Kept as bytes, so a list of 10 000 pods is one Buffer.concat.
   */
  itemJson(): Buffer {
    if (!this.type.builtin) return this.json();
    this.#itemJson ??= Buffer.from(
      JSON.stringify({ ...this.object, apiVersion: undefined, kind: undefined }),
    );
    return this.#itemJson;
  }
}

/** One write to the store; the log of these since the compaction point feeds watches and old snapshots. */
export interface StoreChange {
  readonly resourceVersion: number;
  readonly type: ChangeType;
  readonly resource: ResourceType;
  readonly key: string;
  /** The object after the change; for DELETED, its last state stamped with the deletion's resourceVersion. */
  readonly object: StoredObject;
  /** The object before the change (MODIFIED, DELETED). */
  readonly previous?: StoredObject;
}

/** The objects of one resource as of some resourceVersion, in key order. */
export interface StoreView {
  readonly keys: readonly string[];
  get(key: string): StoredObject | undefined;
}

/** Options of {@link ObjectStore}. */
export interface ObjectStoreOptions {
  /** Time source for `creationTimestamp` of objects given without one. */
  readonly clock: () => Date;
  /** Id source for `metadata.uid` of objects given without one. */
  readonly uid: () => string;
}

class ResourceTable {
  readonly objects = new Map<string, StoredObject>();
  #sorted: string[] | undefined = [];

  sortedKeys(): readonly string[] {
    // lazily re-sorted: seeding inserts in bulk, lists read many times
    this.#sorted ??= [...this.objects.keys()].sort();
    return this.#sorted;
  }

  inserted(key: string): void {
    const sorted = this.#sorted;
    if (sorted && (sorted.length === 0 || (sorted[sorted.length - 1] as string) < key)) sorted.push(key);
    else this.#sorted = undefined;
  }

  removed(): void {
    this.#sorted = undefined;
  }
}

/** `2006-01-02T15:04:05Z`: metav1.Time's JSON form has whole seconds. */
export function kubeTimestamp(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/**
 * The state of a test cluster: objects per resource, one global resourceVersion counter (every
 * write takes the next number, like etcd's revision), and the log of changes since the compaction
 * point. That log serves watches from an older resourceVersion and lists at an older snapshot
 * (continue tokens, `resourceVersionMatch=Exact`); anything older is gone, as after etcd compaction.
 */
export class ObjectStore {
  readonly #tables = new Map<ResourceType, ResourceTable>();
  readonly #changes: StoreChange[] = [];
  readonly #listeners = new Set<(change: StoreChange) => void>();
  readonly #options: ObjectStoreOptions;
  #resourceVersion = 1;
  #compacted = 1;

  constructor(options: ObjectStoreOptions) {
    this.#options = options;
  }

  /** The resourceVersion of the latest write (1 for an empty store). */
  get resourceVersion(): number {
    return this.#resourceVersion;
  }

  /** The compaction point: changes at or before it are forgotten. */
  get compactedResourceVersion(): number {
    return this.#compacted;
  }

  #table(type: ResourceType): ResourceTable {
    let table = this.#tables.get(type);
    if (!table) {
      table = new ResourceTable();
      this.#tables.set(type, table);
    }
    return table;
  }

  /** A copy of `object` as stored: served apiVersion and kind, uid, creationTimestamp, resourceVersion. */
  #normalize(
    type: ResourceType,
    object: KubeObject,
    resourceVersion: number,
    existing?: KubeObject,
  ): KubeObject {
    const { apiVersion: _apiVersion, kind: _kind, metadata, ...rest } = structuredClone(object);
    const meta = { ...metadata };
    // a 1.32 server no longer sets selfLink; old dumps still carry it
    delete meta.selfLink;
    if (!type.namespaced) delete meta.namespace;
    meta.uid ??= existing?.metadata.uid ?? this.#options.uid();
    meta.creationTimestamp ??= existing?.metadata.creationTimestamp ?? kubeTimestamp(this.#options.clock());
    meta.resourceVersion = String(resourceVersion);
    return { apiVersion: type.apiVersion, kind: type.kind, metadata: meta, ...rest };
  }

  #record(change: StoreChange): void {
    this.#changes.push(change);
    for (const listener of this.#listeners) listener(change);
  }

  /**
   * Stores a new object (its `metadata.namespace` must be set for a namespaced type).
   * @throws KubeApiError AlreadyExists
   */
  create(type: ResourceType, object: KubeObject): StoredObject {
    const table = this.#table(type);
    const key = objectKey(type.namespaced, object.metadata.namespace, object.metadata.name ?? "");
    if (table.objects.has(key)) throw alreadyExists(type, object.metadata.name ?? "");
    const resourceVersion = ++this.#resourceVersion;
    const stored = new StoredObject(type, this.#normalize(type, object, resourceVersion), resourceVersion);
    table.objects.set(key, stored);
    table.inserted(key);
    this.#record({ resourceVersion, type: "ADDED", resource: type, key, object: stored });
    return stored;
  }

  /**
   * Replaces an object; `uid` and `creationTimestamp` carry over unless the new one sets them.
   * @throws KubeApiError NotFound
   */
  update(type: ResourceType, object: KubeObject): StoredObject {
    const table = this.#table(type);
    const key = objectKey(type.namespaced, object.metadata.namespace, object.metadata.name ?? "");
    const previous = table.objects.get(key);
    if (!previous) throw notFound(type, object.metadata.name ?? "");
    const resourceVersion = ++this.#resourceVersion;
    const stored = new StoredObject(
      type,
      this.#normalize(type, object, resourceVersion, previous.object),
      resourceVersion,
    );
    table.objects.set(key, stored);
    this.#record({ resourceVersion, type: "MODIFIED", resource: type, key, object: stored, previous });
    return stored;
  }

  /**
   * Deletes an object; returns its last state stamped with the deletion's resourceVersion.
   * @throws KubeApiError NotFound
   */
  delete(type: ResourceType, namespace: string | undefined, name: string): StoredObject {
    const table = this.#table(type);
    const key = objectKey(type.namespaced, namespace, name);
    const previous = table.objects.get(key);
    if (!previous) throw notFound(type, name);
    const resourceVersion = ++this.#resourceVersion;
    const last = structuredClone(previous.object);
    last.metadata.resourceVersion = String(resourceVersion);
    const stored = new StoredObject(type, last, resourceVersion);
    table.objects.delete(key);
    table.removed();
    this.#record({ resourceVersion, type: "DELETED", resource: type, key, object: stored, previous });
    return stored;
  }

  /** The current object at `key`. */
  get(type: ResourceType, key: string): StoredObject | undefined {
    return this.#tables.get(type)?.objects.get(key);
  }

  /**
   * The objects of `type` as they were at `resourceVersion` (default: now), rebuilt by undoing the
   * logged changes after it. The caller checks that `resourceVersion` is not before the
   * compaction point.
   */
  view(type: ResourceType, resourceVersion = this.#resourceVersion): StoreView {
    const table = this.#table(type);
    const current: StoreView = { keys: table.sortedKeys(), get: (key) => table.objects.get(key) };
    if (resourceVersion >= this.#resourceVersion) return current;
    // the first change after the snapshot tells each touched key's state at the snapshot
    const then = new Map<string, StoredObject | null>();
    for (const change of this.changesSince(resourceVersion)) {
      if (change.resource !== type || then.has(change.key)) continue;
      then.set(change.key, change.type === "ADDED" ? null : (change.previous ?? null));
    }
    if (then.size === 0) return current;
    const keys = current.keys.filter((key) => then.get(key) !== null);
    for (const [key, stored] of then) if (stored && !table.objects.has(key)) keys.push(key);
    keys.sort();
    return {
      keys,
      get: (key) => {
        const old = then.get(key);
        return old === undefined ? table.objects.get(key) : (old ?? undefined);
      },
    };
  }

  /** The logged changes after `resourceVersion`, oldest first (only those after the compaction point exist). */
  changesSince(resourceVersion: number): readonly StoreChange[] {
    let low = 0;
    let high = this.#changes.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.#changes[mid] as StoreChange).resourceVersion <= resourceVersion) low = mid + 1;
      else high = mid;
    }
    return this.#changes.slice(low);
  }

  /** Forgets every change up to now, as etcd compaction does; returns the new compaction point. */
  compact(): number {
    this.#compacted = this.#resourceVersion;
    this.#changes.length = 0;
    return this.#compacted;
  }

  /** Calls `listener` synchronously after every write; returns the unsubscribe function. */
  subscribe(listener: (change: StoreChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
