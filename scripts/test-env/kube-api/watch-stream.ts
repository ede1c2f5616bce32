import type { IncomingMessage, ServerResponse } from "node:http";
import { expired, type KubeStatus } from "./api-status.js";
import type { KubeObject } from "./kube-object.js";
import { type ListOptions, parseResourceVersion } from "./list-options.js";
import { type ChangeType, type ObjectStore, type StoreChange, StoredObject } from "./object-store.js";
import type { ResourceType } from "./resource-catalog.js";
import { toTable } from "./table-printer.js";

/** What {@link serveWatch} needs to know about the request and the server. */
export interface WatchRequest {
  readonly store: ObjectStore;
  readonly type: ResourceType;
  /** The namespace of a namespaced watch; absent for all namespaces or a cluster-scoped type. */
  readonly namespace?: string;
  readonly options: ListOptions;
  /** Send each event's object as a one-row Table (kubectl's human-readable output asks for it). */
  readonly table?: { readonly version: "v1" | "v1beta1"; readonly now: () => Date };
  /** Period of BOOKMARK events when the client allows them (a real server: about a minute). */
  readonly bookmarkIntervalMs: number;
}

/** A running watch: the server can send it a bookmark or end it. */
export interface ActiveWatch {
  /** Sends a BOOKMARK at the current resourceVersion if the client allowed bookmarks. */
  bookmark(): void;
  /** Ends the stream, as a real server does at `timeoutSeconds` or shutdown. */
  close(): void;
  /** Resolves once the stream has ended, from either side. */
  readonly closed: Promise<void>;
}

/** The annotation on the BOOKMARK that ends the initial events of a `sendInitialEvents` watch. */
const INITIAL_EVENTS_END = "k8s.io/initial-events-end";

/**
 * Streams watch events as newline-delimited JSON over a chunked response, like apiserver's
 * watch handler: `{"type":"ADDED|MODIFIED|DELETED|BOOKMARK|ERROR","object":{...}}` per line.
 * Where it starts:
 * - no `resourceVersion`, or `"0"`: an ADDED event per existing object, then changes
 *   (`sendInitialEvents=true` does the same at any resourceVersion and ends the initial events
 *   with an annotated BOOKMARK; `sendInitialEvents=false` skips them);
 * - `resourceVersion=N`: every change after N, or, when N is before the compaction point, one
 *   ERROR event carrying a 410 Expired Status (`too old resource version: N (compaction point)`),
 *   as the watch cache answers, and the end of the stream.
 * An object that stops matching the selectors arrives as DELETED (with its previous content), one
 * that starts matching as ADDED, like the watch cache's filtering does.
 * @throws KubeApiError 400 for a malformed resourceVersion, before anything is sent
 */
export function serveWatch(
  request: IncomingMessage,
  response: ServerResponse,
  watch: WatchRequest,
): ActiveWatch {
  const { store, type, namespace, options } = watch;
  const rv = options.resourceVersion ?? "";
  const startAt = rv === "" ? 0 : parseResourceVersion(rv);
  const initialEvents = options.sendInitialEvents ?? startAt === 0;

  response.writeHead(200, {
    "Content-Type": "application/json",
    "Cache-Control": "no-cache, private",
    "Transfer-Encoding": "chunked",
  });
  // like apiserver, answer at once: a client waits for the headers before it acts on the watch
  response.flushHeaders();
  request.socket.setNoDelay(true);

  let ended = false;
  let resolveClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  const timers: NodeJS.Timeout[] = [];
  let unsubscribe: () => void = () => {};
  const finish = () => {
    if (ended) return;
    ended = true;
    unsubscribe();
    for (const timer of timers) clearTimeout(timer);
    response.end();
    resolveClosed();
  };
  response.on("close", finish);

  const send = (eventType: string, objectJson: string | Buffer) => {
    if (ended) return;
    response.cork();
    response.write(`{"type":"${eventType}","object":`);
    response.write(objectJson);
    response.write("}\n");
    process.nextTick(() => response.uncork());
  };
  const sendObject = (eventType: ChangeType, stored: StoredObject) => {
    if (!watch.table) return send(eventType, stored.json());
    const table = toTable(type, [stored.object], {
      version: watch.table.version,
      includeObject: options.includeObject,
      now: watch.table.now(),
      listMeta: { resourceVersion: String(stored.resourceVersion) },
    });
    send(eventType, JSON.stringify(table));
  };
  const sendBookmark = (annotations?: Record<string, string>) => {
    const metadata: KubeObject["metadata"] = { resourceVersion: String(store.resourceVersion) };
    if (type.builtin) metadata.creationTimestamp = null;
    if (annotations) metadata.annotations = annotations;
    send("BOOKMARK", JSON.stringify({ kind: type.kind, apiVersion: type.apiVersion, metadata }));
  };

  const matches = (stored: StoredObject) =>
    (namespace === undefined || stored.object.metadata.namespace === namespace) &&
    options.labelSelector.matches(stored.object.metadata.labels) &&
    options.fieldSelector.matches(stored.object);
  const deliver = (change: StoreChange) => {
    if (change.resource !== type) return;
    const now = matches(change.object);
    const before = change.previous !== undefined && matches(change.previous);
    if (change.type === "ADDED" && now) sendObject("ADDED", change.object);
    else if (change.type === "DELETED" && before) sendObject("DELETED", change.object);
    else if (change.type === "MODIFIED") {
      if (now && before) sendObject("MODIFIED", change.object);
      else if (now) sendObject("ADDED", change.object);
      else if (before && change.previous) {
        // as the watch cache's cacheWatcher does: the previous content at the event's resourceVersion
        const previous = change.previous.object;
        const left = {
          ...previous,
          metadata: { ...previous.metadata, resourceVersion: String(change.resourceVersion) },
        };
        sendObject("DELETED", new StoredObject(type, left, change.resourceVersion));
      }
    }
  };

  if (initialEvents) {
    const view = store.view(type);
    for (const key of view.keys) {
      const stored = view.get(key);
      if (stored && matches(stored)) sendObject("ADDED", stored);
    }
    if (options.sendInitialEvents === true && options.allowWatchBookmarks) {
      sendBookmark({ [INITIAL_EVENTS_END]: "true" });
    }
  } else if (startAt < store.compactedResourceVersion) {
    const status: KubeStatus = expired(
      `too old resource version: ${startAt} (${store.compactedResourceVersion})`,
    ).status;
    send("ERROR", JSON.stringify(status));
    finish();
    return { bookmark: () => {}, close: finish, closed };
  } else {
    for (const change of store.changesSince(startAt)) deliver(change);
  }
  // the backlog above and this subscription run in one tick: no change is missed or sent twice
  unsubscribe = store.subscribe(deliver);

  const bookmark = () => {
    if (options.allowWatchBookmarks) sendBookmark();
  };
  if (options.allowWatchBookmarks) {
    const tick = () => {
      bookmark();
      timers[0] = setTimeout(tick, watch.bookmarkIntervalMs);
    };
    timers[0] = setTimeout(tick, watch.bookmarkIntervalMs);
  }
  if (options.timeoutSeconds !== undefined && options.timeoutSeconds > 0) {
    timers.push(setTimeout(finish, options.timeoutSeconds * 1000));
  }
  return { bookmark, close: finish, closed };
}
