import type { IssueSeverity } from "../model/issue.js";
import { type ImageReference, parseImageReference, repositoryOf } from "../registry/image-reference.js";
import type { ParsedImageId } from "./image-id.js";

/**
 * Which image reference to pull a running container's image by. The repository comes from
 * the pod spec (normalized: `nginx` is `docker.io/library/nginx`), because that is where the
 * kubelet pulled from and where its pull secrets apply; the digest from the imageID, because
 * that is what the node runs. A spec pinned by digest is used as written.
 */

/** A reference to pull by, or why there is none. */
export type PullReferenceOutcome =
  | {
      readonly ok: true;
      /** `registry/repository@sha256:…`. */
      readonly pullReference: string;
      /** The manifest digest that runs (from the imageID, or the spec's when the imageID is an image id). */
      readonly digest: string;
      readonly notes: readonly PullReferenceNote[];
    }
  | {
      readonly ok: false;
      readonly code:
        | "no-image-id"
        | "image-id-unrecognized"
        | "image-id-not-pullable"
        | "no-pullable-reference";
      readonly message: string;
      readonly severity: IssueSeverity;
    };

/** Something worth telling about how a reference was chosen (becomes a container issue). */
export interface PullReferenceNote {
  readonly severity: IssueSeverity;
  readonly code: string;
  readonly message: string;
}

function tryParse(reference: string): ImageReference | undefined {
  try {
    return parseImageReference(reference);
  } catch {
    return undefined;
  }
}

/** Choose the pull reference for a container from its spec image and parsed imageID. */
export function choosePullReference(
  specImage: string | undefined,
  imageId: ParsedImageId,
): PullReferenceOutcome {
  const spec = specImage ? tryParse(specImage) : undefined;
  const notes: PullReferenceNote[] = [];
  if (specImage && !spec) {
    notes.push({
      severity: "warning",
      code: "spec-image-invalid",
      message: `The pod spec's image "${specImage}" is not a valid image reference; the repository is taken from the imageID instead.`,
    });
  }
  switch (imageId.kind) {
    case "empty":
      return {
        ok: false,
        severity: "info",
        code: "no-image-id",
        message: "The container has no imageID yet.",
      };
    case "unrecognized":
      return {
        ok: false,
        severity: "warning",
        code: "image-id-unrecognized",
        message: `The imageID cannot be read: ${imageId.reason}; the container's image cannot be located.`,
      };
    case "image-id": {
      if (spec?.digest) {
        notes.push({
          severity: "info",
          code: "digest-from-spec",
          message: `The runtime reports a local image id (${imageId.id}), not a manifest digest; the spec pins ${spec.digest}, which is what the kubelet pulled, so that digest is used.`,
        });
        return {
          ok: true,
          pullReference: `${repositoryOf(spec)}@${spec.digest}`,
          digest: spec.digest,
          notes,
        };
      }
      return {
        ok: false,
        severity: "warning",
        code: "image-id-not-pullable",
        message:
          `Cannot pull by image id: the runtime reports ${imageId.id}, the id of the image's config, not of a ` +
          "manifest a registry serves (the image was built or imported on the node, or has no repository digest). " +
          "Pin the image by digest in the pod spec, or pull it from a registry, to have it scanned.",
      };
    }
    case "repository-digest": {
      const running = tryParse(`${imageId.repository}@${imageId.digest}`);
      const base = spec ?? running;
      if (!base) {
        return {
          ok: false,
          severity: "warning",
          code: "no-pullable-reference",
          message: `Neither the spec image nor the imageID's repository "${imageId.repository}" is a valid image reference.`,
        };
      }
      if (spec && running && repositoryOf(spec) !== repositoryOf(running)) {
        // dockershim reports the image's first RepoDigest, which may name another
        // repository the same image was pulled from; the spec's is where the kubelet pulled.
        notes.push({
          severity: "info",
          code: "image-id-repository-differs",
          message: `The imageID names ${repositoryOf(running)}, the spec ${repositoryOf(spec)}; the spec's repository is used with the imageID's digest.`,
        });
      }
      if (spec?.digest) {
        if (spec.digest !== imageId.digest) {
          notes.push({
            severity: "info",
            code: "spec-digest-differs",
            message: `The spec pins ${spec.digest} but the runtime reports ${imageId.digest}; the spec's digest is pulled.`,
          });
        }
        return {
          ok: true,
          pullReference: `${repositoryOf(spec)}@${spec.digest}`,
          digest: imageId.digest,
          notes,
        };
      }
      return {
        ok: true,
        pullReference: `${repositoryOf(base)}@${imageId.digest}`,
        digest: imageId.digest,
        notes,
      };
    }
  }
}
