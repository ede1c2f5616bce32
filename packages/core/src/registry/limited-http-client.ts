import { pipeline, type Readable } from "node:stream";
import type { HttpClient, HttpRequest, HttpResponse } from "./http-client.js";
import type { RegistryLimits } from "./registry-limits.js";
import { ThrottledStream } from "./throttled-stream.js";

/**
 * An {@link HttpClient} that applies {@link RegistryLimits} to another one: each request
 * waits for a permit of its URL's host and keeps it until the response body ends, fails or is
 * destroyed; with a bandwidth cap the body is passed through the host's token bucket.
 *
 * It sits under registry-client.ts, so a retry is a new request: a 429 or 5xx answer gives
 * its permit back when its body is discarded, before the Retry-After wait, and the retry
 * queues again. A permit is thus never held while waiting for another permit or a timer, so
 * the limiter cannot deadlock with retries, redirects (each hop is a request to its own
 * host) or token requests; and a rate-limited host's waiting retries leave their slots to
 * requests that may succeed. The one rule for callers is the HttpClient contract itself:
 * read every body to its end or destroy it.
 */
export function createLimitedHttpClient(inner: HttpClient, limits: RegistryLimits): HttpClient {
  return {
    async request(request: HttpRequest): Promise<HttpResponse> {
      const host = new URL(request.url).host;
      const release = await limits.acquire(host, request.signal);
      let response: HttpResponse;
      try {
        response = await inner.request(request);
      } catch (error) {
        release();
        throw error;
      }
      const bucket = limits.bucketFor(host);
      let body: Readable = response.body;
      if (bucket) {
        const throttled = new ThrottledStream(bucket);
        // Errors of the source (a dropped connection, with its code) reach the reader
        // through `throttled`; destroying `throttled` destroys the source.
        body = pipeline(response.body, throttled, () => {
          // reported through `throttled`
        });
      }
      if (body.closed || body.destroyed) release();
      else body.once("close", release);
      return { status: response.status, headers: response.headers, body };
    },
    async close(): Promise<void> {
      await inner.close?.();
    },
  };
}
