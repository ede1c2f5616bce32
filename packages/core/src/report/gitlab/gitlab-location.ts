import type { OsInfo } from "../../model/os-info.js";
import type { GitlabKubernetesLocation } from "./gitlab-report-format.js";
import { GITLAB_LIMITS } from "./gitlab-report-format.js";
import type { GitlabImage, GitlabKubernetesResource } from "./gitlab-report-input.js";
import { GitlabReportInputError } from "./gitlab-report-input.js";
import { capText } from "./gitlab-text.js";

const DIGEST_SUFFIX = /@[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/**
 * `location.image`: the reference as scanned, `repository:tag`, with the digest dropped when
 * a tag names the image; a reference pinned only by digest stays `repository@digest`.
 *
 * Why not `repository:tag@digest`: GitLab fingerprints a container finding as the image name
 * "without tag" plus the package name, taking the tag to be whatever follows the last `:`
 * (`Gitlab::Ci::Reports::Security::Locations::ContainerScanning#docker_image_name_without_tag`).
 * With `@sha256:…` appended, that split lands inside the digest and the fingerprint keeps the
 * tag, so every new tag would make every finding new in GitLab. `repository:tag` is also what
 * GitLab's own analyzer and the schema's example (`index.docker.io/library/nginx:1.21`) write.
 * The manifest digest goes to `details.image_digest` instead.
 */
export function gitlabImageName(image: GitlabImage): string {
  const reference = image.reference || image.manifestDigest || "";
  const digest = DIGEST_SUFFIX.exec(reference);
  if (!digest) return reference;
  const name = reference.slice(0, digest.index);
  const tagged = name.lastIndexOf(":") > name.lastIndexOf("/");
  return tagged ? name : reference;
}

/**
 * The image repository without tag or digest: the scope of a container scanning finding's identity, so a
 * CVE that survives an upgrade of the image keeps its id (ARCHITECTURE.md section 5).
 */
export function imageRepositoryOf(image: GitlabImage): string {
  // Archives and layouts (`docker-archive:PATH:TAG`, `oci:DIR:TAG`) have no repository; their
  // reference is the best scope there is, and a path cannot be told from a tag reliably.
  return image.repository || gitlabImageName(image).replace(DIGEST_SUFFIX, "");
}

/**
 * `location.operating_system`: `<id> <version>` (`debian 12`, `alpine 3.19.1`), the form
 * GitLab's analyzer and Trivy write. `Unknown` when the OS was not identified, as GitLab's
 * analyzer writes it; the container scanning schema requires a non-empty value.
 */
export function gitlabOperatingSystem(os: OsInfo | undefined): string {
  if (!os) return "Unknown";
  const version = os.versionId ?? os.versionCodename;
  return capText(version ? `${os.id} ${version}` : os.id, GITLAB_LIMITS.clusterField);
}

/** `location.kubernetes_resource`; throws when a field is empty or longer than the schema allows. */
export function gitlabKubernetesLocation(resource: GitlabKubernetesResource): GitlabKubernetesLocation {
  const fields: [keyof GitlabKubernetesLocation, string | undefined][] = [
    ["namespace", resource.namespace],
    ["kind", resource.kind],
    ["name", resource.name],
    ["container_name", resource.containerName],
    ["cluster_id", resource.clusterId],
    ["agent_id", resource.agentId],
  ];
  const location: Record<string, string> = {};
  for (const [key, value] of fields) {
    if (value === undefined) continue;
    // Kubernetes names are at most 253 characters, so a violation is a caller's bug, not data to cut.
    if (value.length === 0 || [...value].length > GITLAB_LIMITS.clusterField) {
      throw new GitlabReportInputError(
        `Kubernetes resource field ${key} must be 1 to ${GITLAB_LIMITS.clusterField} characters, got ${JSON.stringify(value)}.`,
      );
    }
    location[key] = value;
  }
  return location as unknown as GitlabKubernetesLocation;
}
