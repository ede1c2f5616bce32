import { isDigest } from "../../registry/digest.js";
import { formatImageReference, parseImageReference, repositoryOf } from "../../registry/image-reference.js";
import { recordAt, type TrivyIssueRecorder, textAt } from "./trivy-issues.js";
import type { TrivyImageRef } from "./trivy-report.js";

/**
 * The image of a report from `report.registry.server` and `report.artifact` (repository, tag,
 * digest), normalized as Vigil normalizes references. Undefined, with an error, when the
 * repository is missing. A missing digest is a warning: the image is then known only by its
 * tag, which may have moved since the scan.
 */
export function trivyImage(
  report: Readonly<Record<string, unknown>>,
  issues: TrivyIssueRecorder,
): TrivyImageRef | undefined {
  const artifact = recordAt(report, "artifact");
  const repository = textAt(artifact, "repository", issues, "report.artifact.repository");
  if (!repository) {
    issues.add(
      "error",
      "trivy-missing-field",
      "report.artifact.repository",
      "report.artifact.repository is missing, so the image is unknown; skipped.",
    );
    return undefined;
  }
  const server = textAt(recordAt(report, "registry"), "server", issues, "report.registry.server");
  const tag = textAt(artifact, "tag", issues, "report.artifact.tag");
  let digest = textAt(artifact, "digest", issues, "report.artifact.digest");
  if (digest && !isDigest(digest)) {
    issues.add(
      "warning",
      "trivy-invalid-digest",
      "report.artifact.digest",
      `report.artifact.digest "${digest}" is not a digest (algorithm:hex); ignored.`,
    );
    digest = undefined;
  }
  if (!digest) {
    issues.add(
      "warning",
      "trivy-missing-digest",
      "report.artifact.digest",
      "report.artifact.digest is missing; the image is known only by its tag, which may have moved since the scan.",
    );
  }
  const name = server ? `${server}/${repository}` : repository;
  const written = `${name}${tag ? `:${tag}` : ""}${digest ? `@${digest}` : ""}`;
  try {
    const ref = parseImageReference(written);
    // The parser defaults a reference without tag or digest to `latest`; the report did not say so.
    const parsed = tag || digest ? ref : { registry: ref.registry, repository: ref.repository };
    return {
      reference: formatImageReference(parsed),
      repository: repositoryOf(ref),
      ...(tag ? { tag } : {}),
      ...(digest ? { digest } : {}),
    };
  } catch (error) {
    issues.add(
      "warning",
      "trivy-invalid-image-reference",
      "report.artifact",
      `${(error as Error).message} The image is kept as written.`,
    );
    return { reference: written, repository: name, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
  }
}
