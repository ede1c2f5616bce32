import { createHash } from "node:crypto";
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent, type RequestOptions } from "node:https";
import { createSecureContext, type SecureContextOptions } from "node:tls";
import type { KubeConfig } from "@kubernetes/client-node";

/**
 * What every request to the API server carries, taken from a kubeconfig once and kept: the
 * headers (bearer token, basic auth, impersonation) and ONE keep-alive agent with the cluster's
 * TLS material (CA, client certificate, skip-tls-verify, tls-server-name). client-node 1.4 runs
 * its authentication and builds a new agent (so a new TLS connection) for every request; here
 * both happen once, and again only after a 401: exec plugins and token files hand out tokens
 * that expire, and client-go likewise keeps a credential until the server refuses it.
 *
 * Fetching once matters most for exec plugins: client-node caches an ExecCredential only
 * until its `expirationTimestamp`, so one without (many plugins omit it) ran the plugin for
 * every request.
 *
 * The material comes from client-node's public `KubeConfig.applyToHTTPSOptions`, which covers
 * every kind of user it supports (token, token file, client certificate, basic auth, exec
 * plugins, auth providers) and refuses a plain `http:` server unless the cluster has
 * `insecure-skip-tls-verify`, as its generated APIs do.
 */

/** Idle keep-alive sockets are closed after this (core's node-http-client.ts uses the same). */
const FREE_SOCKET_TIMEOUT_MS = 4_000;

/** Headers and agent for requests to the API server. */
export interface KubeCredentials {
  /** Header fields every request sends (`Authorization`, `Impersonate-User` ...). */
  readonly headers: Readonly<Record<string, string>>;
  /** The shared agent: keep-alive, at most `maxSockets` connections. */
  readonly agent: HttpAgent;
  /** A digest of the headers and the TLS material, to tell whether a refresh changed anything. */
  readonly fingerprint: string;
  /** A digest of the TLS material alone: the agent is kept while it stays the same. */
  readonly tlsFingerprint: string;
}

/** The current credentials of a kubeconfig user, fetched once and refreshed on demand. */
export interface KubeCredentialSource {
  /** The credentials, fetched on first use; concurrent first requests share one fetch. */
  current(): Promise<KubeCredentials>;
  /**
   * Fetch again after the server refused `stale` (401). When another request has refreshed
   * already, its result is returned, so a burst of 401s runs one exec plugin, not one each.
   */
  refresh(stale: KubeCredentials): Promise<KubeCredentials>;
}

/** Options of {@link createKubeCredentialSource}. */
export interface KubeCredentialSourceOptions {
  /** Connections to the API server at most. */
  readonly maxSockets: number;
}

/** A source over a kubeconfig whose context is selected. */
export function createKubeCredentialSource(
  kubeConfig: KubeConfig,
  options: KubeCredentialSourceOptions,
): KubeCredentialSource {
  let pending: Promise<KubeCredentials> | undefined;
  let settled: KubeCredentials | undefined;
  let last: KubeCredentials | undefined;

  const load = (): Promise<KubeCredentials> => {
    settled = undefined;
    const promise = readCredentials(kubeConfig, last, options.maxSockets).then(
      (credentials) => {
        if (pending === promise) settled = credentials;
        last = credentials;
        return credentials;
      },
      (error: unknown) => {
        // A failed fetch (an exec plugin that failed) is not kept: the next request tries again.
        if (pending === promise) pending = undefined;
        throw error;
      },
    );
    pending = promise;
    return promise;
  };
  const current = (): Promise<KubeCredentials> => pending ?? load();
  return { current, refresh: (stale) => (settled === stale ? load() : current()) };
}

function digest(value: unknown): string {
  // Buffers serialize as {type, data}; the material is small and this runs once per fetch.
  return createHash("sha256").update(JSON.stringify(value)).digest("hex");
}

async function readCredentials(
  kubeConfig: KubeConfig,
  previous: KubeCredentials | undefined,
  maxSockets: number,
): Promise<KubeCredentials> {
  const options: RequestOptions = {};
  await kubeConfig.applyToHTTPSOptions(options);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : String(value);
  }
  // A token wins over basic auth, as node:http's `auth` option would let it.
  if (options.auth && !Object.keys(headers).some((name) => name.toLowerCase() === "authorization")) {
    headers.Authorization = `Basic ${Buffer.from(options.auth).toString("base64")}`;
  }
  const tls = {
    ca: options.ca,
    cert: options.cert,
    key: options.key,
    pfx: options.pfx,
    passphrase: options.passphrase,
    rejectUnauthorized: options.rejectUnauthorized,
    servername: options.servername,
  };
  const tlsFingerprint = digest(tls);
  const agent =
    previous?.tlsFingerprint === tlsFingerprint
      ? previous.agent
      : createAgent(kubeConfig, options, tls, maxSockets);
  return { headers, agent, tlsFingerprint, fingerprint: digest([headers, tlsFingerprint]) };
}

function createAgent(
  kubeConfig: KubeConfig,
  options: RequestOptions,
  tls: SecureContextOptions & { readonly rejectUnauthorized?: boolean; readonly servername?: string },
  maxSockets: number,
): HttpAgent {
  const cluster = kubeConfig.getCurrentCluster();
  if (cluster?.proxyUrl) {
    // `proxy-url`: client-node's proxy agent (HTTP CONNECT or SOCKS), built with its own
    // options, so without keep-alive; one agent still serves every request.
    const agent = options.agent as HttpAgent;
    agent.maxSockets = maxSockets;
    return agent;
  }
  const pool = {
    keepAlive: true,
    maxSockets,
    maxFreeSockets: maxSockets,
    timeout: FREE_SOCKET_TIMEOUT_MS,
    scheduling: "lifo" as const,
  };
  // applyToHTTPSOptions has thrown for http: without insecure-skip-tls-verify.
  if (cluster?.server.startsWith("http:")) return new HttpAgent(pool);
  const material: SecureContextOptions = {};
  for (const name of ["ca", "cert", "key", "pfx", "passphrase"] as const) {
    if (tls[name] !== undefined) Object.assign(material, { [name]: tls[name] });
  }
  return new HttpsAgent({
    ...pool,
    // One context for every connection: building it parses the CA and the key.
    secureContext: createSecureContext(material),
    ...(tls.rejectUnauthorized !== undefined ? { rejectUnauthorized: tls.rejectUnauthorized } : {}),
    ...(tls.servername !== undefined ? { servername: tls.servername } : {}),
  });
}
