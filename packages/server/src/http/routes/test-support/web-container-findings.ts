/**
 * Findings of the `web` container (prod/shop/Deployment web, container app) running an index
 * whose linux/amd64 manifest is core's `debianImage`, built from core's GitLab report fixtures'
 * matches as a scan would store them: the finding detail and export route tests read them
 * back against the stored image.
 */
import { type FindingIdentity, findingDetailsOfMatch, type Match } from "@vigil/core";
import { debianImage } from "../../../../../core/src/report/gitlab/test-support/gitlab-fixtures.js";
import type { FindingRecord } from "../../../store/finding-record.js";
import { finding } from "../../../store/test-support/store-fixtures.js";

/** The digest the web container runs. */
export const WEB_DIGEST = `sha256:${"9".repeat(64)}`;

/** The web container's identity, without package and advisory. */
export const WEB_CONTAINER: Partial<FindingIdentity> = {
  clusterId: "prod",
  namespace: "shop",
  workloadKind: "Deployment",
  workloadName: "web",
  containerName: "app",
};

/** A finding of `match` in the web container, with the details a scan stores; `fields` last. */
export function webFindingOf(id: string, match: Match, fields: Partial<FindingRecord> = {}): FindingRecord {
  return {
    ...finding(id, { identity: { ...WEB_CONTAINER, packageName: match.package.name, advisoryId: match.id } }),
    details: findingDetailsOfMatch({ digest: WEB_DIGEST, image: debianImage.reference }, match),
    ...fields,
  };
}
