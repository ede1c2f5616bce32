import { readFileSync } from "node:fs";
import { type ClientRequest, type IncomingMessage, request as plainRequest } from "node:http";
import { request as tlsRequest } from "node:https";
import { httpRequest } from "../http-request.js";
import type { RunningKubeApiServer } from "./kube-api-server.js";

/** A parsed JSON answer of the test API server. */
export interface JsonResponse<T> {
  readonly status: number;
  readonly contentType: string;
  readonly body: T;
}

/** Options of {@link getJson} and {@link openWatch}. */
export interface ClientOptions {
  /** Bearer token; default the server's; `null` sends none. */
  readonly token?: string | null;
  readonly accept?: string;
}

function headers(server: RunningKubeApiServer, options: ClientOptions): Record<string, string> {
  const result: Record<string, string> = { accept: options.accept ?? "application/json" };
  const token = options.token === undefined ? server.token : options.token;
  if (token !== null) result.authorization = `Bearer ${token}`;
  return result;
}

/** GETs `path` (with query) from the server and parses the JSON body. */
export async function getJson<T = Record<string, unknown>>(
  server: RunningKubeApiServer,
  path: string,
  options: ClientOptions = {},
): Promise<JsonResponse<T>> {
  const res = await httpRequest(`${server.url}${path}`, {
    headers: headers(server, options),
    caFile: server.caFile,
  });
  const contentType = String(res.headers["content-type"] ?? "");
  return { status: res.status, contentType, body: JSON.parse(res.body.toString("utf8")) as T };
}

/** One line of a watch stream. */
export interface WatchEvent {
  readonly type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  readonly object: {
    kind?: string;
    metadata: {
      name?: string;
      namespace?: string;
      resourceVersion?: string;
      annotations?: Record<string, string>;
    };
    [field: string]: unknown;
  } & Record<string, unknown>;
}

/** An open watch: events arrive in order; `next()` waits for the next one. */
export interface WatchStream {
  readonly status: number;
  readonly headers: IncomingMessage["headers"];
  /** The next event; rejects after `timeoutMs` (default 5 000) or when the stream ends first. */
  next(timeoutMs?: number): Promise<WatchEvent>;
  /** Waits for the server to end the stream; resolves with the events not yet taken by `next()`. */
  ended(timeoutMs?: number): Promise<WatchEvent[]>;
  close(): void;
}

/**
 * Opens a watch (`path` must carry `watch=true` or be a `/watch/` path) and reads its
 * newline-delimited events as they arrive.
 */
export function openWatch(
  server: RunningKubeApiServer,
  path: string,
  options: ClientOptions = {},
): Promise<WatchStream> {
  const target = new URL(`${server.url}${path}`);
  const request = target.protocol === "https:" ? tlsRequest : plainRequest;
  const ca = server.caFile ? readFileSync(server.caFile) : undefined;
  return new Promise((resolve, reject) => {
    const queue: WatchEvent[] = [];
    const waiters: (() => void)[] = [];
    let done = false;
    let buffer = "";
    const wake = () => {
      for (const waiter of waiters.splice(0)) waiter();
    };
    const req: ClientRequest = request(
      target,
      { headers: headers(server, options), ca, agent: false },
      (res) => {
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          buffer += chunk;
          let newline = buffer.indexOf("\n");
          while (newline >= 0) {
            const line = buffer.slice(0, newline).trim();
            buffer = buffer.slice(newline + 1);
            if (line) queue.push(JSON.parse(line) as WatchEvent);
            newline = buffer.indexOf("\n");
          }
          wake();
        });
        const finish = () => {
          done = true;
          wake();
        };
        res.on("end", finish);
        res.on("close", finish);
        const waitFor = async (ready: () => boolean, timeoutMs: number, what: string) => {
          const deadline = Date.now() + timeoutMs;
          while (!ready()) {
            const left = deadline - Date.now();
            if (left <= 0) throw new Error(`no ${what} within ${timeoutMs} ms on ${path}`);
            await new Promise<void>((wakeUp) => {
              const timer = setTimeout(wakeUp, left);
              waiters.push(() => {
                clearTimeout(timer);
                wakeUp();
              });
            });
          }
        };
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          async next(timeoutMs = 5000) {
            await waitFor(() => queue.length > 0 || done, timeoutMs, "watch event");
            const event = queue.shift();
            if (!event) throw new Error(`the watch on ${path} ended`);
            return event;
          },
          async ended(timeoutMs = 5000) {
            await waitFor(() => done, timeoutMs, "end of stream");
            return queue.splice(0);
          },
          close: () => req.destroy(),
        });
      },
    );
    req.on("error", (error) => {
      if (!done) reject(error);
    });
    req.end();
  });
}
