import { createServer, type IncomingMessage, request, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A loopback HTTP proxy in front of a real registry that counts the requests it serves at
 * once (from arrival until its response has been sent), so a test can see what a registry
 * host would see. Each proxy is its own host (`127.0.0.1:PORT`): two proxies in front of one
 * registry are two hosts to the client. It can hold every response back a little (so that
 * requests overlap even for small blobs) and answer some requests itself (a 429).
 */

/** What the proxy answers instead of the registry. */
export interface ProxyAnswer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Options of {@link startCountingProxy}. */
export interface CountingProxyOptions {
  /** The registry (`127.0.0.1:PORT`, plain HTTP). */
  readonly target: string;
  /** Wait this long before forwarding each request. */
  readonly delayMs?: number;
  /** Answer a request without forwarding it (`index` counts requests from 0). */
  readonly answer?: (path: string, index: number) => ProxyAnswer | undefined;
}

/** When one request was in flight at the proxy. */
export interface RequestSpan {
  readonly start: number;
  end: number;
}

/** A running proxy. */
export interface CountingProxy {
  readonly host: string;
  /** Most requests in flight at once so far. */
  readonly peak: number;
  /** Requests in flight now. */
  readonly active: number;
  /** Paths requested, in order of arrival. */
  readonly paths: readonly string[];
  /** When each request arrived and was done (ms, performance.now), in order of arrival. */
  readonly spans: readonly RequestSpan[];
  stop(): Promise<void>;
}

/** Start a proxy (see the module comment). */
export async function startCountingProxy(options: CountingProxyOptions): Promise<CountingProxy> {
  const [targetHost, targetPort] = options.target.split(":") as [string, string];
  let active = 0;
  let peak = 0;
  const paths: string[] = [];
  const spans: RequestSpan[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const index = paths.length;
    paths.push(req.url ?? "");
    const span: RequestSpan = { start: performance.now(), end: Number.POSITIVE_INFINITY };
    spans.push(span);
    active++;
    peak = Math.max(peak, active);
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      span.end = performance.now();
      active--;
    };
    res.once("finish", finish);
    res.once("close", finish);
    const forward = (): void => {
      const answer = options.answer?.(req.url ?? "", index);
      if (answer) {
        res.writeHead(answer.status, { "content-length": "0", ...answer.headers });
        res.end();
        return;
      }
      const upstream = request(
        {
          host: targetHost,
          port: Number(targetPort),
          path: req.url,
          method: req.method,
          headers: { ...req.headers, host: options.target },
        },
        (upstreamRes) => {
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
          upstreamRes.pipe(res);
        },
      );
      upstream.on("error", () => res.destroy());
      res.once("close", () => upstream.destroy());
      req.pipe(upstream);
    };
    if (options.delayMs) setTimeout(forward, options.delayMs);
    else forward();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    get peak() {
      return peak;
    },
    get active() {
      return active;
    },
    paths,
    spans,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
