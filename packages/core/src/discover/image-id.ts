import { isDigest } from "../registry/digest.js";

/**
 * `status.containerStatuses[].imageID` as the container runtimes write it. The kubelet passes
 * on what the CRI returns (`ImageRef`), so its form depends on the runtime:
 *
 * | runtime            | imageID                                              | meaning                          |
 * | ------------------ | ---------------------------------------------------- | -------------------------------- |
 * | containerd         | `docker.io/library/nginx@sha256:…`                   | repository digest (pullable)     |
 * | CRI-O              | `quay.io/org/app@sha256:…`                           | repository digest (pullable)     |
 * | dockershim / cri-dockerd | `docker-pullable://nginx@sha256:…`             | first RepoDigest (pullable)      |
 * | dockershim / cri-dockerd | `docker://sha256:…`                            | image config id: no RepoDigest   |
 * | containerd, CRI-O  | `sha256:…`                                           | image config id (imported/built locally) |
 *
 * An image config id names the image's config blob, not a manifest: a registry cannot be
 * asked for it, so it is reported, never turned into a guessed reference.
 * (dockershim: https://github.com/kubernetes/kubernetes/blob/v1.23.0/pkg/kubelet/dockershim/helpers.go#L358)
 */
export type ParsedImageId =
  /** A manifest (or index) digest in a repository: what can be pulled. */
  | { readonly kind: "repository-digest"; readonly repository: string; readonly digest: string }
  /** A local image config id (`sha256:…`): cannot be pulled by. */
  | { readonly kind: "image-id"; readonly id: string }
  /** No imageID yet (the container has not started). */
  | { readonly kind: "empty" }
  /** A form none of the runtimes above writes. */
  | { readonly kind: "unrecognized"; readonly reason: string };

const DOCKER_PULLABLE = "docker-pullable://";
const DOCKER = "docker://";

/** Parse an imageID; never throws. */
export function parseImageId(imageId: string | undefined): ParsedImageId {
  const text = (imageId ?? "").trim();
  if (text === "") return { kind: "empty" };
  let rest = text;
  if (rest.startsWith(DOCKER_PULLABLE)) rest = rest.slice(DOCKER_PULLABLE.length);
  else if (rest.startsWith(DOCKER)) rest = rest.slice(DOCKER.length);
  else if (rest.includes("://")) {
    return {
      kind: "unrecognized",
      reason: `the scheme "${rest.slice(0, rest.indexOf("://"))}://" is unknown`,
    };
  }
  if (isDigest(rest)) return { kind: "image-id", id: rest };
  const at = rest.lastIndexOf("@");
  if (at > 0) {
    const digest = rest.slice(at + 1);
    if (isDigest(digest)) return { kind: "repository-digest", repository: rest.slice(0, at), digest };
    return { kind: "unrecognized", reason: `"${digest}" is not a digest (sha256:<64 hex>)` };
  }
  return { kind: "unrecognized", reason: "it is neither repository@digest nor an image id" };
}
