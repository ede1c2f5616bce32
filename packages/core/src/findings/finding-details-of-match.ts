import type { Match } from "../model/match.js";
import type { FindingDetails } from "./finding.js";

/**
 * What a finding records of the detection behind it: the match's package, versions, status
 * and severity, in the image the container runs. One definition for a cluster scan's
 * detections and for the server's re-match of stored containers, so both write the same
 * details for the same match.
 */
export function findingDetailsOfMatch(
  container: { readonly digest: string; readonly image: string },
  match: Match,
): FindingDetails {
  const pkg = match.package;
  return {
    imageDigest: container.digest,
    image: container.image,
    packageType: pkg.type,
    packageVersion: pkg.version,
    purl: pkg.purl,
    path: pkg.location.path,
    layerDigest: pkg.location.layerDigest,
    ...(match.fixedVersion !== undefined ? { fixedVersion: match.fixedVersion } : {}),
    matchStatus: match.status,
    severity: match.severity,
    aliases: match.aliases,
  };
}
