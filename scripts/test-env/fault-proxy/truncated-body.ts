import { copyHead, type Fault } from "./fault.js";

/**
 * Forwards the request and sends the upstream status and headers (Content-Length kept) with
 * only the first `afterBytes` bytes of the body, then closes the connection cleanly (FIN): the
 * answer simply stops short of its announced length.
 */
export function truncatedBody(afterBytes: number): Fault {
  return {
    kind: `truncated after ${afterBytes} bytes`,
    async apply({ response, forward }) {
      const upstream = await forward();
      copyHead(upstream, response);
      let sent = 0;
      for await (const chunk of upstream) {
        const part = (chunk as Buffer).subarray(0, afterBytes - sent);
        sent += part.length;
        if (part.length > 0) await new Promise<void>((resolve) => response.write(part, () => resolve()));
        if (sent >= afterBytes) break;
      }
      upstream.destroy();
      // end the socket itself: the HTTP response is left unfinished, as a proxy that died would
      response.socket?.end();
    },
  };
}
