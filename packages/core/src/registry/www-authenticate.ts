/**
 * `WWW-Authenticate` parsing (RFC 7235 §4.1, RFC 9110 §11.6.1): one header may carry several
 * challenges, each a scheme followed by comma-separated `name=value` parameters whose values
 * are tokens or quoted strings (with backslash escapes), or by a single token68.
 * Registries send e.g. `Bearer realm="https://auth.example/token",service="registry",scope="repository:a/b:pull"`
 * (https://distribution.github.io/distribution/spec/auth/token/) or `Basic realm="Registry Realm"`.
 */

/** One authentication challenge. */
export interface AuthChallenge {
  /** Scheme, lowercased: `bearer`, `basic`. */
  readonly scheme: string;
  /** Parameters with lowercased names (`realm`, `service`, `scope`, `error`). */
  readonly params: Readonly<Record<string, string>>;
  /** A token68 instead of parameters, when the challenge has one. */
  readonly token68?: string;
}

const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68_CHAR = /[A-Za-z0-9\-._~+/]/;

/**
 * Parse every challenge in one or more `WWW-Authenticate` header values. Never throws:
 * text that does not parse ends the list (a malformed header yields the challenges before it).
 */
export function parseWwwAuthenticate(header: string | readonly string[] | undefined): AuthChallenge[] {
  if (header === undefined) return [];
  if (typeof header !== "string") return header.flatMap((h) => parseWwwAuthenticate(h));
  const s = header;
  let i = 0;
  const challenges: AuthChallenge[] = [];

  const skipSpace = (): void => {
    while (i < s.length && (s[i] === " " || s[i] === "\t")) i++;
  };
  const readToken = (): string => {
    const start = i;
    while (i < s.length && TOKEN_CHAR.test(s[i]!)) i++;
    return s.slice(start, i);
  };
  const readQuoted = (): string | undefined => {
    if (s[i] !== '"') return undefined;
    i++;
    let out = "";
    while (i < s.length) {
      const c = s[i]!;
      if (c === "\\" && i + 1 < s.length) {
        out += s[i + 1];
        i += 2;
      } else if (c === '"') {
        i++;
        return out;
      } else {
        out += c;
        i++;
      }
    }
    return undefined; // unterminated
  };

  for (;;) {
    while (i < s.length && (s[i] === "," || s[i] === " " || s[i] === "\t")) i++;
    if (i >= s.length) break;
    const scheme = readToken();
    if (scheme === "") break;
    const params: Record<string, string> = {};
    let token68: string | undefined;
    skipSpace();
    // Parameters until the next challenge (a token not followed by "=") or the end.
    for (;;) {
      const save = i;
      while (i < s.length && (s[i] === "," || s[i] === " " || s[i] === "\t")) i++;
      const name = readToken();
      skipSpace();
      if (name !== "" && s[i] === "=" && s[i + 1] !== "=") {
        i++;
        skipSpace();
        const value = s[i] === '"' ? readQuoted() : readToken();
        if (value === undefined) return [...challenges, { scheme: scheme.toLowerCase(), params }];
        params[name.toLowerCase()] = value;
        skipSpace();
        continue;
      }
      i = save;
      // token68 directly after the scheme (e.g. `Negotiate abc==`).
      if (Object.keys(params).length === 0 && token68 === undefined) {
        skipSpace();
        const start = i;
        while (i < s.length && TOKEN68_CHAR.test(s[i]!)) i++;
        while (i < s.length && s[i] === "=") i++;
        skipSpace();
        if (i > start && (i >= s.length || s[i] === ",")) {
          token68 = s.slice(start, i).trim();
          continue;
        }
        i = save;
      }
      break;
    }
    challenges.push({ scheme: scheme.toLowerCase(), params, ...(token68 !== undefined ? { token68 } : {}) });
  }
  return challenges;
}
