import { PackageURL } from "packageurl-js";

const cache = new Map<string, PackageURL | undefined>();

/** Parse a purl (normalized by packageurl-js: pypi names lower-cased …), `undefined` when invalid. */
export function parsePurl(text: string): PackageURL | undefined {
  if (cache.has(text)) return cache.get(text);
  let parsed: PackageURL | undefined;
  try {
    parsed = PackageURL.fromString(text);
  } catch {
    parsed = undefined;
  }
  if (cache.size > 10_000) cache.clear();
  cache.set(text, parsed);
  return parsed;
}

/**
 * Whether the purl a VEX statement names designates `actual`: same type, namespace and
 * name; the same version when the statement gives one; and every qualifier the statement
 * gives equal in `actual` (so `pkg:deb/debian/curl@7.88.1-10?arch=amd64` designates
 * `…?arch=amd64&distro=debian-12`). Extra qualifiers in `actual` do not matter. An invalid
 * purl designates nothing.
 */
export function purlDesignates(statement: string, actual: string): boolean {
  const want = parsePurl(statement);
  const have = parsePurl(actual);
  if (!want || !have) return false;
  if (want.type.toLowerCase() !== have.type.toLowerCase()) return false;
  if ((want.namespace ?? "") !== (have.namespace ?? "") || want.name !== have.name) return false;
  if (want.version !== undefined && want.version !== have.version) return false;
  if (want.subpath !== undefined && want.subpath !== have.subpath) return false;
  const qualifiers = (want.qualifiers ?? {}) as Record<string, string>;
  const haveQualifiers = (have.qualifiers ?? {}) as Record<string, string>;
  return Object.entries(qualifiers).every(([k, v]) => haveQualifiers[k] === v);
}

/**
 * Whether `purl` starts with `prefix` at a component boundary: the prefix is the whole purl,
 * or ends with `/`, or is followed by `@`, `?` or `#` (so `pkg:npm/lodash` is a prefix of
 * `pkg:npm/lodash@4.17.20` but not of `pkg:npm/lodash.merge@4.6.2`).
 */
export function isPurlPrefix(prefix: string, purl: string): boolean {
  if (!purl.startsWith(prefix)) return false;
  if (purl.length === prefix.length || prefix.endsWith("/")) return true;
  return "@?#".includes(purl[prefix.length]!);
}
