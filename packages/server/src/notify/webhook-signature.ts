import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** The header that carries a delivery's signature. */
export const SIGNATURE_HEADER = "X-Vigil-Signature";

/** A signature older (or newer) than this is refused by {@link verifyWebhookSignature}: a replay. */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * The `X-Vigil-Signature` value of `body` sent at `timestamp` (Unix seconds), as Stripe signs
 * its webhooks: `t=<timestamp>,v1=<hex HMAC-SHA256 of "<timestamp>.<body>" keyed with the
 * secret>`. The time is signed too, so a captured delivery cannot be replayed later.
 */
export function signWebhookBody(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${hmacHex(secret, timestamp, body)}`;
}

/** Why {@link verifyWebhookSignature} refused a delivery. */
export type SignatureProblem = "malformed" | "expired" | "mismatch";

/**
 * How a receiver checks a delivery: take `t` and every `v1` from the header, refuse `t` more
 * than `toleranceSeconds` away from now, compute the HMAC-SHA256 of `"<t>.<raw body>"` with
 * the webhook's secret and compare it in constant time with each `v1` (several appear while a
 * secret is being rotated). The body must be the raw bytes received, before any JSON parsing.
 * Returns undefined when the signature holds, else why not.
 */
export function verifyWebhookSignature(input: {
  readonly secret: string;
  readonly header: string | null | undefined;
  readonly body: string;
  /** Unix seconds; default now. */
  readonly now?: number;
  readonly toleranceSeconds?: number;
}): SignatureProblem | undefined {
  if (!input.header) return "malformed";
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of input.header.split(",")) {
    const [name, value] = part.trim().split("=", 2);
    if (name === "t" && value && /^\d+$/.test(value)) timestamp = Number(value);
    if (name === "v1" && value && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
  }
  if (timestamp === undefined || signatures.length === 0) return "malformed";
  const now = input.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (input.toleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS)) {
    return "expired";
  }
  const expected = Buffer.from(hmacHex(input.secret, timestamp, input.body), "hex");
  return signatures.some((s) => timingSafeEqual(Buffer.from(s, "hex"), expected)) ? undefined : "mismatch";
}

/** A new webhook secret: 32 random bytes, base64url, with a prefix that says what it is. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64url")}`;
}

function hmacHex(secret: string, timestamp: number, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`, "utf8").digest("hex");
}
