import { createRequire } from "node:module";
import { rootCertificates } from "node:tls";
import type * as Undici from "undici";
import type { HttpClient, HttpRequest, HttpResponse, UndiciHttpClientOptions } from "./http-client.js";

/**
 * The undici {@link HttpClient}, kept as an alternative to the default node:http one
 * (node-http-client.ts). undici is loaded when {@link createUndiciHttpClient} is first
 * called, never at module load: `require("undici")` costs about 70 ms, a third of the
 * budget of a fully cached `vigil sbom`, and nothing on the default path needs it.
 */

const require = createRequire(import.meta.url);

/**
 * An {@link HttpClient} over an undici `Agent` (keep-alive pool per origin). undici's
 * `request` is used rather than `fetch`: it is measurably faster for large blobs and takes a
 * custom CA through `connect.ca`. Its timeouts fail with undici's `UND_ERR_*_TIMEOUT` codes.
 */
export function createUndiciHttpClient(options: UndiciHttpClientOptions = {}): HttpClient {
  const { Agent, request } = require("undici") as typeof Undici;
  const extra = options.ca === undefined ? [] : Array.isArray(options.ca) ? options.ca : [options.ca];
  const agent = new Agent({
    connect: {
      timeout: options.connectTimeoutMs ?? 15_000,
      // Setting `ca` replaces Node's default roots, so keep them and add the extra ones.
      ...(extra.length > 0 ? { ca: [...rootCertificates, ...(extra as (string | Buffer)[])] } : {}),
    },
    headersTimeout: options.headersTimeoutMs ?? 60_000,
    bodyTimeout: options.bodyTimeoutMs ?? 60_000,
    connections: options.connectionsPerOrigin ?? 8,
  });
  const userAgent = options.userAgent ?? "vigil";
  return {
    async request(req: HttpRequest): Promise<HttpResponse> {
      const res = await request(req.url, {
        dispatcher: agent,
        method: req.method ?? "GET",
        headers: { "user-agent": userAgent, ...req.headers },
        ...(req.body !== undefined ? { body: req.body } : {}),
        ...(req.signal ? { signal: req.signal } : {}),
      });
      return { status: res.statusCode, headers: res.headers, body: res.body };
    },
    async close(): Promise<void> {
      await agent.close();
    },
  };
}
