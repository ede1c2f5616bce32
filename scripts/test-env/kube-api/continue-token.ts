/** What a list continue token carries: the snapshot to read and the key to start at. */
export interface ContinuePosition {
  /** The resourceVersion of the first page, or -1 for "continue at the latest" (after a 410). */
  readonly resourceVersion: number;
  /** The store key to resume at (inclusive), relative to the list's key prefix. */
  readonly startKey: string;
}

/** A continue token the API server would reject (answered with 400 BadRequest). */
export class ContinueTokenError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ContinueTokenError";
  }
}

/**
 * Encodes a continue token exactly as apiserver's storage.EncodeContinue does: unpadded
 * base64url of `{"v":"meta.k8s.io/v1","rv":<rv>,"start":"<key after the last one returned>\u0000"}`.
 * Clients must treat it as opaque; tests may decode it.
 */
export function encodeContinue(position: ContinuePosition): string {
  const json = JSON.stringify({
    v: "meta.k8s.io/v1",
    rv: position.resourceVersion,
    start: position.startKey,
  });
  return Buffer.from(json).toString("base64url");
}

/**
 * Decodes a continue token with the checks of storage.DecodeContinue (the messages are its own).
 * @throws ContinueTokenError for a token the API server would call invalid
 */
export function decodeContinue(token: string): ContinuePosition {
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9_-]*$/.test(token)) throw new Error("illegal base64 data");
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch (error) {
    throw new ContinueTokenError(`continue key is not valid: ${(error as Error).message}`, { cause: error });
  }
  const { v, rv, start } = (parsed ?? {}) as { v?: unknown; rv?: unknown; start?: unknown };
  if (v !== "meta.k8s.io/v1") {
    throw new ContinueTokenError(
      `continue key is not valid: server does not recognize this encoded version ${JSON.stringify(v)}`,
    );
  }
  if (typeof rv !== "number" || !Number.isInteger(rv) || rv === 0) {
    throw new ContinueTokenError(
      "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
    );
  }
  if (typeof start !== "string" || start === "") {
    throw new ContinueTokenError(
      "continue key is not valid: encoded start key empty (version meta.k8s.io/v1)",
    );
  }
  // storage.DecodeContinue refuses keys that path.Clean would change: no climbing out of the prefix
  if (start.split("/").some((part) => part === ".." || part === ".")) {
    throw new ContinueTokenError(`continue key is not valid: ${start}`);
  }
  return { resourceVersion: rv, startKey: start };
}
