import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from "node:crypto";

/**
 * Password hashes with scrypt (memory-hard, in `node:crypto`, so no native dependency):
 * `scrypt$ln=15,r=8,p=1$<salt>$<hash>` (base64url). The parameters travel in the string, so
 * stronger ones later still verify the hashes made with these.
 *
 * N = 2^15, r = 8 is 32 MiB and about 50-100 ms per hash: OWASP's scrypt minimum is
 * N = 2^17 with r = 8 and p = 1 or equivalent; 2^15 with a 16-byte salt is what Node's own
 * docs use and keeps a login fast on a small server. Raise `ln` here when machines grow.
 */
export interface PasswordHashParameters {
  /** log2 of the CPU/memory cost N. */
  readonly ln: number;
  readonly r: number;
  readonly p: number;
}

/** The parameters new hashes are made with. */
export const PASSWORD_HASH_PARAMETERS: PasswordHashParameters = { ln: 15, r: 8, p: 1 };

const KEY_LENGTH = 32;

/** A hash of `password` with a fresh random salt, in the self-describing format above. */
export async function hashPassword(
  password: string,
  parameters: PasswordHashParameters = PASSWORD_HASH_PARAMETERS,
): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, parameters);
  return `scrypt$ln=${parameters.ln},r=${parameters.r},p=${parameters.p}$${salt.toString("base64url")}$${key.toString("base64url")}`;
}

/**
 * Whether `password` is the one `stored` was made from, compared in constant time. A stored
 * value that is not such a hash (damaged, another scheme) verifies nothing.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) return false;
  const key = await derive(password, parsed.salt, parsed.parameters);
  return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
}

/**
 * A hash of a random password, for verifying against when there is no user: a login for an
 * unknown email then costs the same as one with a wrong password (no user enumeration).
 */
export function unusablePasswordHash(): Promise<string> {
  unusable ??= hashPassword(randomBytes(16).toString("hex"));
  return unusable;
}
let unusable: Promise<string> | undefined;

function parseHash(
  stored: string,
): { parameters: PasswordHashParameters; salt: Buffer; key: Buffer } | undefined {
  const match = /^scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([\w-]+)\$([\w-]+)$/.exec(stored);
  if (!match) return undefined;
  const [ln, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  // bounds keep a damaged or hostile hash from asking for gigabytes of memory
  if (ln < 10 || ln > 20 || r < 1 || r > 32 || p < 1 || p > 16) return undefined;
  return {
    parameters: { ln, r, p },
    salt: Buffer.from(match[4]!, "base64url"),
    key: Buffer.from(match[5]!, "base64url"),
  };
}

function derive(password: string, salt: Buffer, parameters: PasswordHashParameters): Promise<Buffer> {
  const N = 2 ** parameters.ln;
  const options: ScryptOptions = { N, r: parameters.r, p: parameters.p, maxmem: 256 * N * parameters.r };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize("NFC"), salt, KEY_LENGTH, options, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}
