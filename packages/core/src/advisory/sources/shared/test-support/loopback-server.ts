import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** How one path is answered. */
export type Route =
  | { readonly body: Buffer | string; readonly contentType?: string; readonly status?: number }
  /** Send the headers (full Content-Length) and the first `sentBytes` of `body`, then drop the connection. */
  | { readonly body: Buffer | string; readonly cutAfter: number; readonly chunked?: boolean }
  | { readonly handler: (req: IncomingMessage, res: ServerResponse) => void };

/** A loopback HTTP server for sync tests through a real `fetch`. */
export interface LoopbackServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Paths requested so far, in order. */
  readonly requests: readonly string[];
  close(): Promise<void>;
}

/**
 * Serve `routes` (path → answer) on 127.0.0.1; unknown paths answer 404. A `cutAfter` route
 * sends part of the body and destroys the socket, which `fetch` reports while the body is read.
 */
export async function startLoopbackServer(routes: Readonly<Record<string, Route>>): Promise<LoopbackServer> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    requests.push(path);
    const route = routes[path];
    if (!route) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    if ("handler" in route) {
      route.handler(req, res);
      return;
    }
    const body = Buffer.isBuffer(route.body) ? route.body : Buffer.from(route.body);
    if ("cutAfter" in route) {
      res.writeHead(200, route.chunked ? {} : { "content-length": String(body.length) });
      res.write(body.subarray(0, route.cutAfter), () => {
        // Let the first part reach the client before the connection goes.
        setTimeout(() => res.socket?.destroy(), 20);
      });
      return;
    }
    res.writeHead(route.status ?? 200, {
      "content-type": route.contentType ?? "application/octet-stream",
      "content-length": String(body.length),
    });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
