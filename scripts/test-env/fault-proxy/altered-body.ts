import { copyHead, type Fault, readAll } from "./fault.js";

/**
 * Forwards the request and sends the upstream answer with one byte of the body inverted, same
 * length and headers: content that no longer matches its digest (a corrupting proxy or disk).
 * `at` is the byte's offset; a negative one counts from the end. Default: the middle.
 */
export function alteredBody(at?: number): Fault {
  return {
    kind: `one byte altered${at !== undefined ? ` at ${at}` : ""}`,
    async apply({ response, forward }) {
      const upstream = await forward();
      const body = await readAll(upstream);
      if (body.length > 0) {
        const offset = at === undefined ? body.length >> 1 : at < 0 ? body.length + at : at;
        const index = Math.min(body.length - 1, Math.max(0, offset));
        body[index] = (body[index] as number) ^ 0xff;
      }
      copyHead(upstream, response);
      response.end(body);
    },
  };
}
