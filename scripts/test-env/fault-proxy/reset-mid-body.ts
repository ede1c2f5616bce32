import { copyHead, type Fault } from "./fault.js";

/**
 * Forwards the request and sends the upstream status, headers and the first `afterBytes`
 * bytes of the body, then resets the connection (TCP RST): a connection dropped in the middle
 * of a download.
 */
export function resetMidBody(afterBytes: number): Fault {
  return {
    kind: `reset after ${afterBytes} bytes`,
    async apply({ response, forward }) {
      const upstream = await forward();
      copyHead(upstream, response);
      let sent = 0;
      for await (const chunk of upstream) {
        const buf = chunk as Buffer;
        const part = buf.subarray(0, afterBytes - sent);
        sent += part.length;
        if (part.length > 0) await new Promise<void>((resolve) => response.write(part, () => resolve()));
        if (sent >= afterBytes) break;
      }
      upstream.destroy();
      response.socket?.resetAndDestroy();
    },
  };
}
