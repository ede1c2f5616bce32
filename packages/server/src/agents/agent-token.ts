import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Agent tokens: `vigil_agt_` and 32 random bytes (base64url). The prefix lets the
 * authenticators tell an agent token from a user's (`vigil_pat_…`) without a lookup, and lets
 * secret scanners recognise a leaked one. Only the SHA-256 of a token is stored: a token has
 * 256 bits of entropy, so a fast hash is enough (no password stretching needed) and lets the
 * hash itself be the indexed lookup key.
 */
export const AGENT_TOKEN_PREFIX = "vigil_agt_";

/** Random bytes in a token. */
const TOKEN_BYTES = 32;

/** A new agent token (shown once, never stored). */
export function createAgentToken(): string {
  return `${AGENT_TOKEN_PREFIX}${randomBytes(TOKEN_BYTES).toString("base64url")}`;
}

/** Whether a bearer token is shaped like an agent token (43 base64url characters after the prefix). */
export function isAgentToken(token: string): boolean {
  return /^vigil_agt_[A-Za-z0-9_-]{43}$/.test(token);
}

/** The stored form of a token: its SHA-256, hex. */
export function hashAgentToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/**
 * Whether two token hashes are equal, in constant time. The lookup by hash finds the row; this
 * check keeps the final comparison from depending on where two hashes first differ.
 */
export function sameTokenHash(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}
