import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { ensureTestTls } from "../registry.js";
import {
  forbidden,
  internalError,
  KubeApiError,
  methodNotAllowed,
  notFound,
  resourceNotFound,
  unauthorized,
} from "./api-status.js";
import { isAllowed, type KubeApiRule, type KubeApiToken } from "./authorization.js";
import { aggregatedDiscoveryContentType, negotiate } from "./content-negotiation.js";
import {
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiResourceList,
  coreApiVersions,
  KUBE_VERSION,
} from "./discovery-documents.js";
import { parseFieldSelector } from "./field-selector.js";
import { type KubeObject, objectKey } from "./kube-object.js";
import { type KubeconfigOptions, writeKubeconfig } from "./kubeconfig.js";
import { listObjects } from "./list-objects.js";
import { type ListOptions, parseListOptions } from "./list-options.js";
import { ObjectStore, type StoredObject } from "./object-store.js";
import { type ApiPath, parseApiPath } from "./request-path.js";
import { defaultResourceCatalog, type ResourceCatalog, type ResourceType } from "./resource-catalog.js";
import { toTable } from "./table-printer.js";
import { type ActiveWatch, serveWatch } from "./watch-stream.js";

/** Options of {@link startKubeApiServer}. */
export interface KubeApiServerOptions {
  /**
   * Objects to start with (e.g. `realClusterObjects()` or `syntheticCluster()`), stored in order
   * after any Namespaces among them. The change log is compacted after seeding, as if the cluster
   * had been running for a while: watches must start at or after the seeded state.
   */
  readonly objects?: readonly KubeObject[];
  /** Accepted bearer tokens; default one random token for `system:serviceaccount:vigil:vigil`. */
  readonly tokens?: readonly KubeApiToken[];
  /** RBAC-like allow rules; omitted, every authenticated user may do everything. */
  readonly rules?: readonly KubeApiRule[];
  /**
   * Serve HTTPS with the test CA's certificate for 127.0.0.1 (see `ensureTestTls` in
   * ../registry.ts); default true, as every real API server. With `false` the server speaks plain
   * HTTP, which kubectl cannot authenticate to: client-go sends bearer tokens only over TLS.
   */
  readonly tls?: boolean;
  /** Creates a Namespace object when an object is added to a namespace that has none (default true). */
  readonly createNamespaces?: boolean;
  /** Time source for creationTimestamp of new objects and for table ages (default: the system clock). */
  readonly clock?: () => Date;
  /** Id source for metadata.uid of new objects (default: random UUIDs). */
  readonly uid?: () => string;
  /** Period of watch BOOKMARK events for clients that allow them (default 60 000, a real server's). */
  readonly bookmarkIntervalMs?: number;
  /** Resources to serve (default: core/v1, apps/v1, batch/v1 and the Trivy Operator CRDs). */
  readonly catalog?: ResourceCatalog;
}

/** One request the server answered, for tests that check how a client talks to the API. */
export interface KubeApiRequestRecord {
  readonly method: string;
  /** Path without the query, e.g. `/api/v1/namespaces/default/pods`. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** The authenticated user, if any. */
  readonly user?: string;
  readonly userAgent?: string;
  /** HTTP status sent (200 for watches, whose errors travel as ERROR events). */
  readonly status: number;
}

/** A running test API server. Test-side writes emit watch events like real writes. */
export interface RunningKubeApiServer {
  /** `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT`. */
  readonly url: string;
  /** The first accepted bearer token. */
  readonly token: string;
  /** PEM file of the CA that signed the server certificate (TLS only). */
  readonly caFile?: string;
  /** The resourceVersion of the latest write. */
  readonly resourceVersion: number;
  /** The compaction point: continue tokens and watches from before it get 410. */
  readonly compactedResourceVersion: number;
  /** Every request answered so far, in order of completion (watches when they end). */
  readonly requests: readonly KubeApiRequestRecord[];
  /**
   * Connections accepted so far (with TLS: handshakes completed), for tests that check a client
   * reuses its keep-alive connections rather than opening one per request.
   */
  readonly connections: number;
  /** Writes a kubeconfig for this server to `path` (see {@link KubeconfigOptions}); returns `path`. */
  kubeconfig(path: string, options?: KubeconfigOptions): string;
  /**
   * Stores a new object and returns it as stored (resourceVersion, uid, creationTimestamp set;
   * `uid`/`creationTimestamp` given are kept, so real dumps keep their identity). The type is
   * found by `kind` (and the group of `apiVersion`); namespaced objects without a namespace go
   * to `default`.
   * @throws KubeApiError AlreadyExists; UnknownResourceError for a kind this server does not serve
   */
  add(object: KubeObject): KubeObject;
  /**
   * Replaces an existing object (MODIFIED event); returns it as stored.
   * @throws KubeApiError NotFound
   */
  update(object: KubeObject): KubeObject;
  /**
   * Deletes an object (DELETED event); `kind` may be a kind, plural or short name. Returns the
   * deleted object with the deletion's resourceVersion.
   * @throws KubeApiError NotFound
   */
  remove(kind: string, namespace: string | undefined, name: string): KubeObject;
  /** The current object, or undefined. */
  get(kind: string, namespace: string | undefined, name: string): KubeObject | undefined;
  /** The current objects of a kind (in `namespace`, or all), in the server's list order. */
  list(kind: string, namespace?: string): KubeObject[];
  /** Compacts at the current resourceVersion (like etcd compaction); returns it. */
  compact(): number;
  /** Sends a BOOKMARK now on every open watch that allows bookmarks. */
  sendBookmarks(): void;
  /** Replaces the rule table (undefined: allow everything); open watches are not re-checked. */
  setRules(rules: readonly KubeApiRule[] | undefined): void;
  /** Ends open watches and stops the server; safe to call twice. */
  close(): Promise<void>;
}

/** A test added or looked up an object of a kind the server does not serve. */
export class UnknownResourceError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "UnknownResourceError";
  }
}

/** The default user of {@link startKubeApiServer}: the service account Vigil runs as in-cluster. */
export const DEFAULT_KUBE_USER = "system:serviceaccount:vigil:vigil";

const JSON_HEADERS = { "Content-Type": "application/json", "Cache-Control": "no-cache, private" };

/** A complete answer, or {@link STREAMING} when a watch has taken over the response. */
type Reply =
  | { readonly code: number; readonly body: string | Buffer; readonly contentType?: string }
  | typeof STREAMING;
const STREAMING = Symbol("streaming");

function reply(code: number, body: string | Buffer, contentType?: string): Reply {
  return { code, body, contentType };
}

function sendBody(
  response: ServerResponse,
  code: number,
  body: string | Buffer,
  contentType = "application/json",
): void {
  response.writeHead(code, {
    ...JSON_HEADERS,
    "Content-Type": contentType,
    "Content-Length": Buffer.byteLength(body),
  });
  response.end(body);
}

const COMMA = Buffer.from(",");

/** A list body assembled from the items' cached JSON bytes, without building one big string. */
function listBody(type: ResourceType, metadata: object, items: readonly StoredObject[]): Buffer {
  const head = `{"kind":"${type.listKind}","apiVersion":"${type.apiVersion}","metadata":${JSON.stringify(metadata)},"items":[`;
  const parts: Buffer[] = [Buffer.from(head)];
  for (const [i, item] of items.entries()) {
    if (i > 0) parts.push(COMMA);
    parts.push(item.itemJson());
  }
  parts.push(Buffer.from("]}"));
  return Buffer.concat(parts);
}

/** The Namespace a real cluster would show for one made by `kubectl create namespace`. */
function namespaceObject(name: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name, labels: { "kubernetes.io/metadata.name": name } },
    spec: { finalizers: ["kubernetes"] },
    status: { phase: "Active" },
  };
}

/**
 * Starts a Kubernetes API server for tests on 127.0.0.1 and a random port: discovery (legacy and
 * aggregated), get/list/watch of every resource in its catalog with label and field selectors,
 * pagination with continue tokens over resourceVersion snapshots, Table output for kubectl,
 * bearer-token authentication, RBAC-like authorization, and Status errors in the real server's
 * wording. It is read-only over HTTP (writes get 405); tests change objects with the returned
 * methods. See README.md in this folder.
 */
export async function startKubeApiServer(options: KubeApiServerOptions = {}): Promise<RunningKubeApiServer> {
  const catalog = options.catalog ?? defaultResourceCatalog();
  const clock = options.clock ?? (() => new Date());
  const store = new ObjectStore({ clock, uid: options.uid ?? randomUUID });
  const tokens = options.tokens ?? [{ token: randomBytes(16).toString("hex"), user: DEFAULT_KUBE_USER }];
  if (tokens.length === 0) throw new RangeError("startKubeApiServer needs at least one token");
  const users = new Map(tokens.map((t) => [t.token, t.user]));
  let rules = options.rules;
  const createNamespaces = options.createNamespaces ?? true;
  const bookmarkIntervalMs = options.bookmarkIntervalMs ?? 60_000;
  const watches = new Set<ActiveWatch>();
  const requests: KubeApiRequestRecord[] = [];
  const namespaceType = catalog.resolve("Namespace", "v1");

  const typeOf = (kind: string, apiVersion?: string): ResourceType => {
    const type = catalog.resolve(kind, apiVersion);
    if (!type) throw new UnknownResourceError(`the test API server does not serve ${JSON.stringify(kind)}`);
    return type;
  };
  const ensureNamespace = (namespace: string) => {
    if (!createNamespaces || !namespaceType || store.get(namespaceType, namespace)) return;
    store.create(namespaceType, namespaceObject(namespace));
  };
  const create = (object: KubeObject): StoredObject => {
    const type = typeOf(object.kind ?? "", object.apiVersion);
    if (type.namespaced && !object.metadata.namespace) {
      object = { ...object, metadata: { ...object.metadata, namespace: "default" } };
    }
    if (type.namespaced) ensureNamespace(object.metadata.namespace as string);
    return store.create(type, object);
  };

  const seed = options.objects ?? [];
  for (const object of seed.filter((o) => o.kind === "Namespace")) create(object);
  for (const object of seed.filter((o) => o.kind !== "Namespace")) create(object);
  store.compact();

  const tls = (options.tls ?? true) ? await ensureTestTls() : undefined;
  const caPem = tls ? readFileSync(tls.caFile, "utf8") : undefined;
  let serverAddress = "";

  const authorize = (
    user: string,
    type: ResourceType,
    verb: string,
    namespace: string | undefined,
    name: string | undefined,
  ) => {
    if (!isAllowed(rules, { user, verb, group: type.group, resource: type.plural, namespace })) {
      throw forbidden(type, { user, verb, namespace, name });
    }
  };

  const serveResource = (
    request: IncomingMessage,
    response: ServerResponse,
    user: string,
    path: Extract<ApiPath, { kind: "resource" }>,
    query: URLSearchParams,
  ): Reply => {
    const type = catalog.byPath(path.group, path.version, path.plural);
    if (!type) throw resourceNotFound();
    if (path.namespace !== undefined && !type.namespaced) throw resourceNotFound();
    // namespaced objects are only addressable inside their namespace
    if (type.namespaced && path.namespace === undefined && path.name !== undefined) throw resourceNotFound();
    // of the subresources only status is served (as the object itself, like GET .../status)
    if (
      path.subresource !== undefined &&
      (path.subresource !== "status" || !type.subresources.some((s) => s.name === `${type.plural}/status`))
    ) {
      throw resourceNotFound();
    }
    if (request.method !== "GET" && request.method !== "HEAD") throw methodNotAllowed();
    let options: ListOptions = parseListOptions(query, type, path.legacyWatch);
    const form = negotiate(request.headers.accept);

    if (path.name !== undefined && !options.watch) {
      if (!type.verbs.includes("get")) throw methodNotAllowed();
      authorize(user, type, "get", path.namespace, path.name);
      const stored = store.get(type, objectKey(type.namespaced, path.namespace, path.name));
      if (!stored) throw notFound(type, path.name);
      if (form.table) {
        const table = toTable(type, [stored.object], {
          version: form.table,
          includeObject: options.includeObject,
          now: clock(),
          listMeta: { resourceVersion: String(stored.resourceVersion) },
        });
        return reply(200, JSON.stringify(table));
      }
      return reply(200, stored.json());
    }

    if (path.name !== undefined) {
      // /watch/.../<name>: the deprecated single-object watch, a watch on metadata.name
      const selector = query.get("fieldSelector");
      const byName = `metadata.name=${path.name.replace(/[\\,=]/g, "\\$&")}`;
      options = {
        ...options,
        fieldSelector: parseFieldSelector(selector ? `${selector},${byName}` : byName, type.fieldLabels),
      };
    }
    const verb = options.watch ? "watch" : "list";
    if (!type.verbs.includes(verb)) throw methodNotAllowed();
    // apiserver authorizes a list or watch on one metadata.name as a request for that name
    authorize(user, type, verb, path.namespace, options.fieldSelector.exactMatch("metadata.name"));

    if (options.watch) {
      const watch = serveWatch(request, response, {
        store,
        type,
        namespace: path.namespace,
        options,
        table: form.table ? { version: form.table, now: clock } : undefined,
        bookmarkIntervalMs,
      });
      watches.add(watch);
      void watch.closed.then(() => watches.delete(watch));
      return STREAMING;
    }

    const result = listObjects(store, type, path.namespace, options);
    if (form.table) {
      const table = toTable(
        type,
        result.items.map((item) => item.object),
        {
          version: form.table,
          includeObject: options.includeObject,
          now: clock(),
          listMeta: { ...result.metadata },
        },
      );
      return reply(200, JSON.stringify(table));
    }
    return reply(200, listBody(type, result.metadata, result.items));
  };

  const serve = (request: IncomingMessage, response: ServerResponse, user: string, url: URL): Reply => {
    const path = parseApiPath(url.pathname);
    if (path.kind === "resource") return serveResource(request, response, user, path, url.searchParams);
    if (request.method !== "GET" && request.method !== "HEAD") throw methodNotAllowed();
    const form = negotiate(request.headers.accept);
    switch (path.kind) {
      case "version":
        return reply(200, JSON.stringify(KUBE_VERSION));
      case "health":
        return reply(200, "ok", "text/plain; charset=utf-8");
      case "core-versions":
      case "groups": {
        const core = path.kind === "core-versions";
        if (form.aggregatedDiscovery) {
          const body = aggregatedDiscovery(catalog, core, form.aggregatedDiscovery);
          return reply(200, JSON.stringify(body), aggregatedDiscoveryContentType(form.aggregatedDiscovery));
        }
        const body = core ? coreApiVersions(serverAddress) : apiGroupList(catalog);
        return reply(200, JSON.stringify(body));
      }
      case "group": {
        const body = apiGroup(catalog, path.group);
        if (!body) throw resourceNotFound();
        return reply(200, JSON.stringify(body));
      }
      case "resource-list": {
        const body = apiResourceList(catalog, path.group, path.version);
        if (!body) throw resourceNotFound();
        return reply(200, JSON.stringify(body));
      }
      case "unknown":
        // what Go's http.NotFound sends for a path no API route owns
        return reply(404, "404 page not found\n", "text/plain; charset=utf-8");
    }
  };

  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    let user: string | undefined;
    // "close" rather than "finish": it also fires when a client drops a watch
    response.on("close", () => {
      requests.push({
        method: request.method ?? "",
        path: url.pathname,
        query: url.searchParams,
        user,
        userAgent: request.headers["user-agent"],
        status: response.statusCode,
      });
    });
    try {
      const header = request.headers.authorization ?? "";
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      user = match ? users.get(match[1] as string) : undefined;
      if (user === undefined) throw unauthorized();
      const answer = serve(request, response, user, url);
      if (answer !== STREAMING) sendBody(response, answer.code, answer.body, answer.contentType);
    } catch (error) {
      const apiError = error instanceof KubeApiError ? error : internalError(String(error));
      if (response.headersSent) {
        response.destroy(apiError);
        return;
      }
      sendBody(response, apiError.status.code, JSON.stringify(apiError.status));
    }
  };

  const server: Server = tls
    ? createHttpsServer({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) }, handle)
    : createHttpServer(handle);
  let connections = 0;
  server.on(tls ? "secureConnection" : "connection", () => {
    connections++;
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  serverAddress = `127.0.0.1:${port}`;
  const url = `${tls ? "https" : "http"}://${serverAddress}`;
  let closing: Promise<void> | undefined;

  return {
    url,
    token: (tokens[0] as KubeApiToken).token,
    caFile: tls?.caFile,
    get resourceVersion() {
      return store.resourceVersion;
    },
    get compactedResourceVersion() {
      return store.compactedResourceVersion;
    },
    requests,
    get connections() {
      return connections;
    },
    kubeconfig: (path, kubeconfigOptions) =>
      writeKubeconfig(
        path,
        { server: url, token: (tokens[0] as KubeApiToken).token, caPem },
        kubeconfigOptions,
      ),
    add: (object) => structuredClone(create(object).object),
    update(object) {
      const type = typeOf(object.kind ?? "", object.apiVersion);
      if (type.namespaced && !object.metadata.namespace) {
        object = { ...object, metadata: { ...object.metadata, namespace: "default" } };
      }
      return structuredClone(store.update(type, object).object);
    },
    remove(kind, namespace, name) {
      return structuredClone(store.delete(typeOf(kind), namespace, name).object);
    },
    get(kind, namespace, name) {
      const type = typeOf(kind);
      const stored = store.get(type, objectKey(type.namespaced, namespace, name));
      return stored ? structuredClone(stored.object) : undefined;
    },
    list(kind, namespace) {
      const type = typeOf(kind);
      const view = store.view(type);
      const prefix = type.namespaced && namespace !== undefined ? `${namespace}/` : "";
      return view.keys
        .filter((key) => key.startsWith(prefix))
        .map((key) => structuredClone(view.get(key)?.object as KubeObject));
    },
    compact: () => store.compact(),
    sendBookmarks() {
      for (const watch of watches) watch.bookmark();
    },
    setRules(next) {
      rules = next;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const watch of watches) watch.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
