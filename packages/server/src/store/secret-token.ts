import { createHash, randomBytes } from "node:crypto";

/**
 * Random secrets (session ids, API tokens, CSRF tokens) and the hash the store keeps of them.
 * A secret is 32 random bytes (256 bits), so a plain SHA-256 is enough to store it: unlike a
 * password it cannot be guessed, and a fast hash keeps every request's lookup one index read.
 */

/** 32 random bytes, base64url (43 characters), after `prefix`. */
export function newSecret(prefix = ""): string {
  return `${prefix}${randomBytes(32).toString("base64url")}`;
}

/** The SHA-256 of a secret, hex: what the store keeps and looks secrets up by. */
export function secretHash(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** The prefix of user API tokens, so a leaked one is recognisable (secret scanners, logs). */
export const API_TOKEN_PREFIX = "vigil_pat_";
