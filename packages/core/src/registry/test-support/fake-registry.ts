import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Descriptor } from "../../model/image.js";
import { OCI_CONFIG, OCI_INDEX, OCI_LAYER_TAR_GZIP, OCI_MANIFEST } from "../media-types.js";

/**
 * A loopback registry for fault tests: serves images generated in the test over the
 * distribution API, with optional Bearer or Basic auth, and injects faults (statuses,
 * dropped connections, corrupt or truncated bodies) by rule.
 */

const sha256 = (b: Buffer): string => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/** An image the fake registry serves. */
export interface FakeImage {
  readonly repository: string;
  readonly tags: readonly string[];
  /** Manifests and indexes by digest, with their media type. */
  readonly manifests: ReadonlyMap<string, { readonly bytes: Buffer; readonly mediaType: string }>;
  /** The digest the tags point at. */
  readonly rootDigest: string;
  readonly blobs: ReadonlyMap<string, Buffer>;
  /** The layers of the (first) image manifest, for assertions. */
  readonly layers: readonly Descriptor[];
  readonly configDigest: string;
}

/** Build a single-platform OCI image with random layers of the given sizes. */
export function buildFakeImage(options: {
  readonly repository: string;
  readonly tags?: readonly string[];
  readonly layerSizes: readonly number[];
  readonly architecture?: string;
  readonly variant?: string;
}): FakeImage {
  const blobs = new Map<string, Buffer>();
  const layers: Descriptor[] = options.layerSizes.map((size) => {
    const bytes = randomBytes(size);
    const digest = sha256(bytes);
    blobs.set(digest, bytes);
    return { mediaType: OCI_LAYER_TAR_GZIP, digest, size };
  });
  const config = Buffer.from(
    JSON.stringify({
      architecture: options.architecture ?? "amd64",
      ...(options.variant ? { variant: options.variant } : {}),
      os: "linux",
      rootfs: { type: "layers", diff_ids: layers.map((l) => l.digest) },
      config: { Labels: { test: "yes" } },
    }),
  );
  const configDigest = sha256(config);
  blobs.set(configDigest, config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: configDigest, size: config.length },
      layers,
    }),
  );
  const rootDigest = sha256(manifest);
  return {
    repository: options.repository,
    tags: options.tags ?? ["latest"],
    manifests: new Map([[rootDigest, { bytes: manifest, mediaType: OCI_MANIFEST }]]),
    rootDigest,
    blobs,
    layers,
    configDigest,
  };
}

/** Put several single-platform images under one OCI index (platform from each image's config). */
export function buildFakeIndex(
  repository: string,
  tags: readonly string[],
  images: readonly { readonly image: FakeImage; readonly platform: Descriptor["platform"] }[],
): FakeImage {
  const manifests = new Map<string, { bytes: Buffer; mediaType: string }>();
  const blobs = new Map<string, Buffer>();
  const entries = images.map(({ image, platform }) => {
    const m = image.manifests.get(image.rootDigest)!;
    manifests.set(image.rootDigest, m);
    for (const [d, b] of image.blobs) blobs.set(d, b);
    return { mediaType: m.mediaType, digest: image.rootDigest, size: m.bytes.length, platform };
  });
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: entries }));
  const rootDigest = sha256(index);
  manifests.set(rootDigest, { bytes: index, mediaType: OCI_INDEX });
  return {
    repository,
    tags,
    manifests,
    rootDigest,
    blobs,
    layers: images[0]!.image.layers,
    configDigest: images[0]!.image.configDigest,
  };
}

/** A raw manifest document served under a tag (for malformed / schema 1 cases). */
export function rawManifestImage(
  repository: string,
  tag: string,
  bytes: Buffer,
  mediaType: string,
): FakeImage {
  const digest = sha256(bytes);
  return {
    repository,
    tags: [tag],
    manifests: new Map([[digest, { bytes, mediaType }]]),
    rootDigest: digest,
    blobs: new Map(),
    layers: [],
    configDigest: digest,
  };
}

/** What a fault does to a matching request. */
export type FaultAction =
  | {
      readonly kind: "status";
      readonly status: number;
      readonly headers?: Record<string, string>;
      readonly body?: string;
    }
  /** Send headers and `afterBytes` of the body, then destroy the socket. */
  | { readonly kind: "reset"; readonly afterBytes: number }
  /** Send headers and `afterBytes` of the body, then go silent (keep the socket open). */
  | { readonly kind: "stall"; readonly afterBytes: number }
  /** Serve the content with one byte flipped (same length). */
  | { readonly kind: "corrupt" }
  /** Declare and send only `length` bytes of the content. */
  | { readonly kind: "content-length"; readonly length: number }
  /** Answer a Range request with the whole content and 200. */
  | { readonly kind: "ignore-range" }
  /** Override headers of the normal answer. */
  | { readonly kind: "headers"; readonly headers: Record<string, string> }
  /** Redirect to another URL (`{path}` is replaced by the request path). */
  | { readonly kind: "redirect"; readonly location: string };

/** A fault applied to requests that match, `times` times (default: always). */
export interface FaultRule {
  readonly match: (request: { method: string; path: string; headers: IncomingMessage["headers"] }) => boolean;
  readonly action: FaultAction;
  times?: number;
}

/** A request the fake registry saw. */
export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage["headers"];
}

/** Options of {@link startFakeRegistry}. */
export interface FakeRegistryOptions {
  readonly images: readonly FakeImage[];
  readonly auth?:
    | { readonly kind: "basic"; readonly username: string; readonly password: string }
    | {
        readonly kind: "bearer";
        readonly username?: string;
        readonly password?: string;
        readonly expiresIn?: number;
        /** Refresh token accepted by the POST (OAuth2) token endpoint. */
        readonly refreshToken?: string;
      };
  readonly faults?: FaultRule[];
}

/** A running fake registry. */
export interface FakeRegistry {
  /** `127.0.0.1:PORT`. */
  readonly host: string;
  readonly url: string;
  readonly requests: LoggedRequest[];
  readonly faults: FaultRule[];
  stop(): Promise<void>;
}

const errorBody = (code: string, message: string): string => JSON.stringify({ errors: [{ code, message }] });

/** Start a fake registry on a random loopback port. */
export async function startFakeRegistry(options: FakeRegistryOptions): Promise<FakeRegistry> {
  const requests: LoggedRequest[] = [];
  const faults = options.faults ?? [];
  const issued = new Set<string>();
  let host = "";

  function takeFault(
    method: string,
    path: string,
    headers: IncomingMessage["headers"],
  ): FaultAction | undefined {
    for (const rule of faults) {
      if ((rule.times === undefined || rule.times > 0) && rule.match({ method, path, headers })) {
        if (rule.times !== undefined) rule.times--;
        return rule.action;
      }
    }
    return undefined;
  }

  function authorized(req: IncomingMessage, res: ServerResponse, repository: string): boolean {
    const auth = options.auth;
    if (!auth) return true;
    const header = req.headers.authorization ?? "";
    if (auth.kind === "basic") {
      const expected = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}`;
      if (header === expected) return true;
      res.writeHead(401, { "www-authenticate": 'Basic realm="fake"', "content-type": "application/json" });
      res.end(errorBody("UNAUTHORIZED", "authentication required"));
      return false;
    }
    if (header.startsWith("Bearer ") && issued.has(header.slice(7))) return true;
    res.writeHead(401, {
      "www-authenticate": `Bearer realm="http://${host}/token",service="fake-registry",scope="repository:${repository}:pull"`,
      "content-type": "application/json",
    });
    res.end(errorBody("UNAUTHORIZED", "authentication required"));
    return false;
  }

  function serveToken(req: IncomingMessage, res: ServerResponse, form: URLSearchParams | undefined): void {
    const auth = options.auth;
    if (form) {
      if (
        auth?.kind !== "bearer" ||
        form.get("grant_type") !== "refresh_token" ||
        form.get("refresh_token") !== auth.refreshToken
      ) {
        res.writeHead(401, { "content-type": "application/json" });
        res.end(errorBody("UNAUTHORIZED", "bad refresh token"));
        return;
      }
      const token = randomBytes(8).toString("hex");
      issued.add(token);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ access_token: token, expires_in: 300 }));
      return;
    }
    if (auth?.kind === "bearer" && auth.username !== undefined) {
      const expected = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}`;
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { "content-type": "application/json" });
        res.end(errorBody("UNAUTHORIZED", "bad credentials"));
        return;
      }
    }
    const token = randomBytes(8).toString("hex");
    issued.add(token);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ token, expires_in: auth?.kind === "bearer" ? (auth.expiresIn ?? 300) : 300 }));
  }

  function sendContent(
    req: IncomingMessage,
    res: ServerResponse,
    content: Buffer,
    headers: Record<string, string>,
    fault: FaultAction | undefined,
  ): void {
    let body = content;
    if (fault?.kind === "corrupt") {
      body = Buffer.from(content);
      const middle = Math.floor(body.length / 2);
      body[middle] = (body[middle] ?? 0) ^ 0xff;
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    let status = 200;
    const out: Record<string, string> = { ...headers };
    if (range && fault?.kind !== "ignore-range") {
      const start = Number(range[1]);
      out["content-range"] = `bytes ${start}-${body.length - 1}/${body.length}`;
      body = body.subarray(start);
      status = 206;
    }
    if (fault?.kind === "headers") Object.assign(out, fault.headers);
    if (fault?.kind === "content-length") {
      res.writeHead(status, { ...out, "content-length": String(fault.length) });
      res.end(body.subarray(0, fault.length));
      return;
    }
    res.writeHead(status, { "content-length": String(body.length), ...out });
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    if (fault?.kind === "stall") {
      res.write(body.subarray(0, fault.afterBytes));
      return;
    }
    if (fault?.kind === "reset") {
      res.write(body.subarray(0, fault.afterBytes), () => {
        setTimeout(() => res.socket?.destroy(), 5);
      });
      return;
    }
    res.end(body);
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const path = url.pathname;
    const method = req.method ?? "GET";
    requests.push({ method, path: `${path}${url.search}`, headers: req.headers });
    if (path === "/token") {
      if (method === "POST") {
        let text = "";
        req.setEncoding("utf8");
        req.on("data", (c: string) => {
          text += c;
        });
        req.on("end", () => serveToken(req, res, new URLSearchParams(text)));
        return;
      }
      serveToken(req, res, undefined);
      return;
    }
    const fault = takeFault(method, path, req.headers);
    if (fault?.kind === "status") {
      res.writeHead(fault.status, { "content-type": "application/json", ...fault.headers });
      res.end(fault.body ?? errorBody("FAULT", `injected ${fault.status}`));
      return;
    }
    if (fault?.kind === "redirect") {
      res.writeHead(307, { location: fault.location.replace("{path}", path) });
      res.end();
      return;
    }
    if (path === "/v2/" || path === "/v2") {
      if (!authorized(req, res, "")) return;
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
      return;
    }
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(path);
    if (!m) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(errorBody("NOT_FOUND", "no such route"));
      return;
    }
    const [, repository, kind, reference] = m as unknown as [string, string, string, string];
    if (!authorized(req, res, repository)) return;
    const image = options.images.find((i) => i.repository === repository);
    if (!image) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(errorBody("NAME_UNKNOWN", "repository name not known to registry"));
      return;
    }
    if (kind === "manifests") {
      const digest = image.tags.includes(reference) ? image.rootDigest : reference;
      const manifest = image.manifests.get(digest);
      if (!manifest) {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(errorBody("MANIFEST_UNKNOWN", "manifest unknown"));
        return;
      }
      sendContent(
        req,
        res,
        manifest.bytes,
        { "content-type": manifest.mediaType, "docker-content-digest": digest },
        fault,
      );
      return;
    }
    const blob = image.blobs.get(reference);
    if (!blob) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(errorBody("BLOB_UNKNOWN", "blob unknown to registry"));
      return;
    }
    sendContent(
      req,
      res,
      blob,
      { "content-type": "application/octet-stream", "docker-content-digest": reference },
      fault,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    url: `http://${host}`,
    requests,
    faults,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
