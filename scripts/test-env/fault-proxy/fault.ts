import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * One request the proxy handles with a fault: the client's request and response, and how to
 * reach the upstream server. A fault either answers on its own (a status) or forwards the
 * request and then spoils the answer on its way back (reset, truncation, altered bytes).
 */
export interface FaultExchange {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  /** Sends the client's request upstream and resolves with the upstream answer, unread. */
  forward(): Promise<IncomingMessage>;
  /** Copies an upstream answer to the client unchanged (status, headers, body). */
  pass(upstream: IncomingMessage): void;
}

/** A fault kind: what it is called in counts and tables, and what it does to one exchange. */
export interface Fault {
  /** Short description, e.g. `latency 800 ms`, `503`, `reset after 1024 bytes`. */
  readonly kind: string;
  /** Handles the exchange; resolves once the client's answer is sent or broken off. */
  apply(exchange: FaultExchange): Promise<void>;
}

/** Writes the upstream status and headers to the client, as received. */
export function copyHead(upstream: IncomingMessage, response: ServerResponse): void {
  response.writeHead(upstream.statusCode ?? 502, upstream.statusMessage, upstream.headers);
}

/** Reads the whole upstream body (for faults that change bytes of an answer). */
export async function readAll(upstream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of upstream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
