import { isDigest } from "./digest.js";
import { ImageReferenceError } from "./errors.js";

/**
 * Image references as Docker and the OCI distribution spec write them:
 * `[registry[:port]/]repository[:tag][@digest]`, with `docker.io` as the default registry
 * and `library/` as the default namespace there (`alpine` → `docker.io/library/alpine:latest`).
 * The grammar follows distribution's reference package
 * (https://github.com/distribution/reference/blob/main/reference.go), re-implemented here.
 */

/** A parsed, normalized image reference. */
export interface ImageReference {
  /** Registry host with optional port, lowercase: `docker.io`, `127.0.0.1:5000`, `[::1]:5000`. */
  readonly registry: string;
  /** Repository path inside the registry: `library/alpine`, `vigil/minbase`. */
  readonly repository: string;
  /** Tag; `latest` when neither tag nor digest was given. */
  readonly tag?: string;
  /** Digest, when pinned; it wins over the tag for fetching. */
  readonly digest?: string;
}

/** The registry Docker uses when a reference names none. */
export const DEFAULT_REGISTRY = "docker.io";
/** The host that serves the API for {@link DEFAULT_REGISTRY}. */
export const DOCKER_HUB_API_HOST = "registry-1.docker.io";

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const HOST =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]+)?$/;

/** Parse and normalize a reference; throws {@link ImageReferenceError} with the reason. */
export function parseImageReference(input: string): ImageReference {
  const text = input.trim();
  if (text === "") throw new ImageReferenceError(input, "it is empty");
  if (/\s/.test(text)) throw new ImageReferenceError(input, "it contains whitespace");
  if (text.includes("://")) {
    throw new ImageReferenceError(input, "write it without a URL scheme, e.g. registry.example.com/repo:tag");
  }

  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isDigest(digest)) {
      throw new ImageReferenceError(input, `"${digest}" is not a valid digest (sha256:<64 hex>)`);
    }
  }

  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(":");
  if (lastColon > rest.lastIndexOf("/")) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG.test(tag)) {
      throw new ImageReferenceError(
        input,
        `"${tag}" is not a valid tag (letters, digits, _ . -, at most 128)`,
      );
    }
  }

  let registry = DEFAULT_REGISTRY;
  let repository = rest;
  const slash = rest.indexOf("/");
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    // Docker's rule: the first component is a registry when it looks like a host
    // (has a dot or a port), is `localhost`, or has uppercase letters (never valid in a path).
    if (
      first.includes(".") ||
      first.includes(":") ||
      first === "localhost" ||
      first !== first.toLowerCase()
    ) {
      if (!HOST.test(first)) throw new ImageReferenceError(input, `"${first}" is not a valid registry host`);
      registry = first.toLowerCase();
      repository = rest.slice(slash + 1);
    }
  }
  if (registry === "index.docker.io" || registry === DOCKER_HUB_API_HOST) registry = DEFAULT_REGISTRY;
  if (repository === "") throw new ImageReferenceError(input, "the repository name is missing");
  if (registry === DEFAULT_REGISTRY && !repository.includes("/")) repository = `library/${repository}`;
  for (const component of repository.split("/")) {
    if (!COMPONENT.test(component)) {
      throw new ImageReferenceError(
        input,
        component !== component.toLowerCase()
          ? "repository names must be lowercase"
          : `"${component}" is not a valid repository path component`,
      );
    }
  }
  if (registry.length + 1 + repository.length > 255) {
    throw new ImageReferenceError(input, "the name is longer than 255 characters");
  }
  if (tag === undefined && digest === undefined) tag = "latest";
  return { registry, repository, ...(tag !== undefined ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** `registry/repository[:tag][@digest]`, the normalized form of a reference. */
export function formatImageReference(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag !== undefined ? `:${ref.tag}` : ""}${
    ref.digest ? `@${ref.digest}` : ""
  }`;
}

/** `registry/repository`, without tag or digest. */
export function repositoryOf(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}`;
}

/** The host (and port) that serves the distribution API for a registry name. */
export function registryApiHost(registry: string): string {
  return registry === DEFAULT_REGISTRY ? DOCKER_HUB_API_HOST : registry;
}

/** The host part of `host[:port]` (brackets of an IPv6 literal removed). */
export function hostWithoutPort(registry: string): string {
  if (registry.startsWith("[")) return registry.slice(1, registry.indexOf("]"));
  const colon = registry.lastIndexOf(":");
  return colon >= 0 ? registry.slice(0, colon) : registry;
}

/** True for `localhost`, `127.0.0.0/8` and `::1`, with or without a port. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = hostWithoutPort(registry).toLowerCase();
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
