/**
 * The few calls of Vigil's HTTP API the fault suite makes: start a scan and wait for its end,
 * read findings and scans, dismiss a finding, ask for health. Every call has a short timeout:
 * a server that stopped answering fails the test instead of hanging it.
 */

/** A scan as `GET /api/v1/scans/:id` returns it (the fields the suite reads). */
export interface ApiScan {
  readonly id: string;
  readonly status: string;
  readonly error?: string;
  readonly failures?: readonly {
    readonly scope?: string;
    readonly subject?: string;
    readonly reason: string;
  }[];
  readonly images?: readonly {
    readonly reference: string;
    readonly status: string;
    readonly error?: string;
  }[];
  readonly startedAt?: string;
  readonly finishedAt?: string;
}

/** A finding (the fields the suite reads). */
export interface ApiFinding {
  readonly id: string;
  readonly state: string;
  readonly identity: {
    readonly workloadName?: string;
    readonly packageName?: string;
    readonly advisoryId?: string;
  };
}

const TERMINAL = new Set(["complete", "partial", "failed", "interrupted", "cancelled"]);

/** A client for one server, as one user (an owner's API token). */
export interface VigilApi {
  readonly baseUrl: string;
  startScan(cluster: string): Promise<ApiScan>;
  scan(id: string): Promise<ApiScan>;
  /** Polls the scan until it ends (or `timeoutMs`), riding over answers that fail meanwhile. */
  waitForEnd(id: string, timeoutMs?: number): Promise<ApiScan>;
  /** Every finding of every state. */
  findings(): Promise<ApiFinding[]>;
  scans(): Promise<ApiScan[]>;
  dismiss(id: string, comment: string): Promise<void>;
  /** The health answer's status code, or 0 when the server did not answer. */
  health(): Promise<number>;
}

export function createVigilApi(baseUrl: string, token: string): VigilApi {
  const headers = { Authorization: `Bearer ${token}`, "content-type": "application/json" };
  const call = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    const response = await fetch(`${baseUrl}${path}`, {
      headers,
      signal: AbortSignal.timeout(10_000),
      ...init,
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${init.method ?? "GET"} ${path}: ${response.status} ${text}`);
    return JSON.parse(text) as T;
  };
  const api: VigilApi = {
    baseUrl,
    startScan: (cluster) =>
      call<ApiScan>("/api/v1/scans", { method: "POST", body: JSON.stringify({ cluster }) }),
    scan: (id) => call<ApiScan>(`/api/v1/scans/${id}`),
    async waitForEnd(id, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      let last: ApiScan | undefined;
      let lastError: unknown;
      while (Date.now() < deadline) {
        try {
          last = await api.scan(id);
          if (TERMINAL.has(last.status)) return last;
        } catch (error) {
          lastError = error; // the database may be down for a while: keep asking
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(
        `scan ${id} did not end within ${timeoutMs} ms (last status ${last?.status ?? "unknown"}; ${String(lastError ?? "")})`,
      );
    },
    async findings() {
      const all: ApiFinding[] = [];
      let cursor: string | undefined;
      do {
        const page = await call<{ items: ApiFinding[]; nextCursor?: string }>(
          `/api/v1/findings?limit=500&state=detected&state=confirmed&state=dismissed&state=resolved${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
        );
        all.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      return all;
    },
    async scans() {
      return (await call<{ items: ApiScan[] }>("/api/v1/scans?limit=200")).items;
    },
    async dismiss(id, comment) {
      await call(`/api/v1/findings/${id}/state`, {
        method: "POST",
        body: JSON.stringify({ state: "dismissed", reason: "acceptable_risk", comment }),
      });
    },
    async health() {
      try {
        const response = await fetch(`${baseUrl}/api/v1/health`, { signal: AbortSignal.timeout(5_000) });
        await response.arrayBuffer();
        return response.status;
      } catch {
        return 0;
      }
    },
  };
  return api;
}
