/**
 * The agent's side of the agent routes (`/api/v1/agent/...`), over `fetch` with the agent's
 * token. It says what happened in types the loop acts on: unreachable (retry with backoff),
 * token refused (stop), refused for good (keep aside), or the answer.
 */

/** The agent's configuration as the server keeps it. */
export interface AgentConfig {
  readonly agentId: string;
  readonly clusterId: string;
  readonly mode: "scan" | "discover";
  readonly namespaces: readonly string[];
}

/** A scan the agent claimed. */
export interface ClaimedScan {
  readonly scan: { readonly id: string; readonly scope: { readonly namespaces: readonly string[] } };
  readonly mode: "scan" | "discover";
}

/** The server could not be reached, or answered 5xx/429: try again later. */
export class ServerUnavailableError extends Error {
  override readonly name = "ServerUnavailableError";
}

/** The server refused the token (401): unknown or revoked. Nothing to retry. */
export class AgentTokenRefusedError extends Error {
  override readonly name = "AgentTokenRefusedError";
}

/** The server refused a request for good (a 4xx other than 401 and 429). */
export class RequestRefusedError extends Error {
  override readonly name = "RequestRefusedError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Options of {@link createAgentServerClient}. */
export interface AgentServerClientOptions {
  /** The server's base URL (`https://vigil.example.com`). */
  readonly server: string;
  readonly token: string;
  /** Per request; default 30 s (sending results: 15 minutes, the server may scan meanwhile). */
  readonly timeoutMs?: number;
}

/** Calls the server as one agent. */
export interface AgentServerClient {
  config(): Promise<AgentConfig>;
  /** The next scan, or undefined when there is none. */
  claim(): Promise<ClaimedScan | undefined>;
  /** Sends a result or a discovery; resolves when the server answered 2xx. */
  deliver(kind: "result" | "discovery", scanId: string, body: unknown): Promise<void>;
}

/** A client for `options.server`. */
export function createAgentServerClient(options: AgentServerClientOptions): AgentServerClient {
  const base = options.server.replace(/\/+$/, "");
  const call = async (method: string, path: string, body: unknown, timeoutMs: number): Promise<Response> => {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${options.token}`,
          accept: "application/json",
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new ServerUnavailableError(
        `cannot reach ${base}: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
      );
    }
    if (response.ok) return response;
    const message = await errorMessage(response);
    if (response.status === 401) throw new AgentTokenRefusedError(message);
    if (response.status === 429 || response.status >= 500) {
      throw new ServerUnavailableError(`${base} answered ${response.status}: ${message}`);
    }
    throw new RequestRefusedError(response.status, message);
  };
  const timeout = options.timeoutMs ?? 30_000;
  return {
    async config() {
      return (await (await call("GET", "/api/v1/agent/config", undefined, timeout)).json()) as AgentConfig;
    },
    async claim() {
      const response = await call("POST", "/api/v1/agent/scans/claim", undefined, timeout);
      if (response.status === 204) return undefined;
      return (await response.json()) as ClaimedScan;
    },
    async deliver(kind, scanId, body) {
      const response = await call(
        "POST",
        `/api/v1/agent/scans/${encodeURIComponent(scanId)}/${kind}`,
        body,
        Math.max(timeout, 15 * 60_000),
      );
      await response.body?.cancel();
    },
  };
}

async function errorMessage(response: Response): Promise<string> {
  const text = await response.text().catch(() => "");
  try {
    const message = (JSON.parse(text) as { error?: { message?: string } }).error?.message;
    if (message) return message;
  } catch {
    // not JSON: a proxy's page, say
  }
  return text.slice(0, 200) || response.statusText || `HTTP ${response.status}`;
}
