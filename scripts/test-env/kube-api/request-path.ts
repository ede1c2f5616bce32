/** What a request path addresses on the test API server. */
export type ApiPath =
  | { readonly kind: "version" }
  | { readonly kind: "health" }
  | { readonly kind: "core-versions" }
  | { readonly kind: "groups" }
  | { readonly kind: "group"; readonly group: string }
  | { readonly kind: "resource-list"; readonly group: string; readonly version: string }
  | {
      readonly kind: "resource";
      readonly group: string;
      readonly version: string;
      readonly plural: string;
      readonly namespace?: string;
      readonly name?: string;
      readonly subresource?: string;
      /** The deprecated `/watch/` path prefix (`/api/v1/watch/pods`): a watch without `?watch=true`. */
      readonly legacyWatch: boolean;
    }
  | { readonly kind: "unknown" };

// subresources of a namespace, which apiserver's RequestInfoFactory does not read as resources
const NAMESPACE_SUBRESOURCES = new Set(["status", "finalize"]);

/**
 * Parses a request path the way apiserver's RequestInfoFactory does for the routes this server
 * has: `/api/v1[/namespaces/<ns>]/<resource>[/<name>[/<subresource>]]` and the same under
 * `/apis/<group>/<version>`, plus discovery and health paths.
 */
export function parseApiPath(pathname: string): ApiPath {
  let segments: string[];
  try {
    segments = pathname
      .split("/")
      .filter((s) => s !== "")
      .map((s) => decodeURIComponent(s));
  } catch {
    return { kind: "unknown" };
  }
  const [first, second, third] = segments;
  if (first === "version" && segments.length === 1) return { kind: "version" };
  if ((first === "healthz" || first === "livez" || first === "readyz") && segments.length === 1) {
    return { kind: "health" };
  }
  let group: string;
  let version: string;
  let rest: string[];
  if (first === "api") {
    if (second === undefined) return { kind: "core-versions" };
    group = "";
    version = second;
    rest = segments.slice(2);
  } else if (first === "apis") {
    if (second === undefined) return { kind: "groups" };
    if (third === undefined) return { kind: "group", group: second };
    group = second;
    version = third;
    rest = segments.slice(3);
  } else {
    return { kind: "unknown" };
  }
  if (rest.length === 0) return { kind: "resource-list", group, version };
  const legacyWatch = rest[0] === "watch";
  if (legacyWatch) rest = rest.slice(1);
  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length >= 3 && !NAMESPACE_SUBRESOURCES.has(rest[2] as string)) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural, name, subresource] = rest;
  if (plural === undefined || rest.length > 3) return { kind: "unknown" };
  return { kind: "resource", group, version, plural, namespace, name, subresource, legacyWatch };
}
