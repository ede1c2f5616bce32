import type { Finding, FindingDetails } from "../finding.js";
import type { FindingIdentity } from "../finding-identity.js";
import type { Detection } from "../reconcile-findings.js";
import type { ScanCoverage } from "../scan-coverage.js";

/** The cluster every fixture belongs to unless told otherwise. */
export const CLUSTER = "prod-eu";

/** An identity in `shop`, Deployment `api`, container `app`: openssl CVE-2023-5678 unless overridden. */
export function identity(fields: Partial<FindingIdentity> = {}): FindingIdentity {
  return {
    clusterId: CLUSTER,
    namespace: "shop",
    workloadKind: "Deployment",
    workloadName: "api",
    containerName: "app",
    packageName: "openssl",
    advisoryId: "CVE-2023-5678",
    ...fields,
  };
}

/** Details of a detection in image `api:1.0` unless overridden. */
export function details(fields: Partial<FindingDetails> = {}): FindingDetails {
  return {
    imageDigest: `sha256:${"a".repeat(64)}`,
    image: "registry.example.com/shop/api:1.0",
    packageType: "deb",
    packageVersion: "3.0.11-1~deb12u1",
    purl: "pkg:deb/debian/openssl@3.0.11-1~deb12u1?arch=amd64&distro=debian-12",
    path: "/var/lib/dpkg/status",
    layerDigest: `sha256:${"1".repeat(64)}`,
    fixedVersion: "3.0.11-1~deb12u2",
    matchStatus: "fixed",
    severity: { level: "low", source: "distribution", raw: "low" },
    aliases: ["DSA-5532-1"],
    ...fields,
  };
}

/** An ISO time on 2026-03-01 (`t("10:00")`). */
export const t = (hhmm: string): Date => new Date(`2026-03-01T${hhmm}:00Z`);

/** A finding first seen 08:00, last seen 09:00, running since 07:00, `detected`. */
export function finding(
  fields: Partial<Omit<Finding, "identity">> & { identity?: Partial<FindingIdentity> } = {},
): Finding {
  const { identity: id, ...rest } = fields;
  return {
    identity: identity(id),
    state: "detected",
    details: details(),
    firstSeen: t("08:00"),
    lastSeen: t("09:00"),
    runningSince: t("07:00"),
    noLongerDetected: false,
    ...rest,
  };
}

/** A detection of {@link identity} with new details, running since 07:30. */
export function detection(
  fields: Partial<Omit<Detection, "identity">> & { identity?: Partial<FindingIdentity> } = {},
): Detection {
  const { identity: id, ...rest } = fields;
  return {
    identity: identity(id),
    details: details({ imageDigest: `sha256:${"b".repeat(64)}`, image: "registry.example.com/shop/api:1.1" }),
    runningSince: t("07:30"),
    ...rest,
  };
}

/** A complete scan of every namespace with nothing uncovered. */
export function coverage(fields: Partial<ScanCoverage> = {}): ScanCoverage {
  return {
    status: "complete",
    scope: { namespaces: "all" },
    uncoveredNamespaces: [],
    uncovered: [],
    ...fields,
  };
}
