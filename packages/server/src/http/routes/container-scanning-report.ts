import {
  type Detection,
  type FindingDetails,
  findingKey,
  type MatchStatus,
  PACKAGE_TYPES,
  type PackageType,
  parseImageReference,
  repositoryOf,
  SEVERITY_LEVELS,
  SEVERITY_SOURCES,
  type SeverityLevel,
  type SeveritySource,
} from "@vigil/core";
import type { InputProblem } from "./request-input.js";
import { isObject } from "./request-input.js";

/**
 * A GitLab `container_scanning` report (schema 15.x: what Vigil, Trivy's GitLab template and
 * GitLab's own analyzer write in CI pipelines), read into development findings' detections.
 * Checked loosely: only what a finding needs must be there (identifiers, package name and
 * version, image); everything else is optional and read when present, Vigil's own `details`
 * (package URL, fixed version, severity source, layer, file) above all.
 */

/** What the development findings of one project and branch are scoped by. */
export const DEVELOPMENT_CLUSTER = "";

/** The workload kind of a development finding: the image a pipeline built. */
export const DEVELOPMENT_WORKLOAD_KIND = "image";

/** A development detection, with the enrichment a finding record keeps beside its details. */
export interface DevelopmentDetection extends Detection {
  readonly kev: boolean;
  readonly epss?: number;
}

/** The detections of a report, or the first problems that stop it from being read. */
export type ReadReportResult =
  | { readonly ok: true; readonly detections: readonly DevelopmentDetection[] }
  | { readonly ok: false; readonly problems: readonly InputProblem[] };

const GITLAB_SEVERITIES: Readonly<Record<string, SeverityLevel>> = {
  critical: "critical",
  high: "high",
  medium: "medium",
  low: "low",
  info: "negligible",
  unknown: "unknown",
};

/** Most problems reported for one body. */
const MAX_PROBLEMS = 10;

/** Reads a report body; at most {@link MAX_PROBLEMS} problems, each naming its JSON path. */
export function readContainerScanningReport(body: unknown): ReadReportResult {
  const problems: InputProblem[] = [];
  const problem = (field: string, reason: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push({ field, reason });
  };
  if (!isObject(body))
    return { ok: false, problems: [{ field: "body", reason: "expected a JSON object (a GitLab report)" }] };
  const scan = body.scan;
  if (scan !== undefined) {
    if (!isObject(scan)) problem("scan", "expected an object");
    else if (scan.type !== undefined && scan.type !== "container_scanning") {
      problem("scan.type", `expected container_scanning, not ${JSON.stringify(scan.type)}`);
    }
  }
  if (!Array.isArray(body.vulnerabilities)) {
    problem("vulnerabilities", "required: a list (empty when nothing was found)");
    return { ok: false, problems };
  }
  const byKey = new Map<string, DevelopmentDetection>();
  body.vulnerabilities.forEach((v: unknown, i: number) => {
    const detection = readVulnerability(v, `vulnerabilities[${i}]`, problem);
    if (!detection) return;
    const key = findingKey(detection.identity);
    const seen = byKey.get(key);
    // one identity once: the most severe occurrence wins (two versions of a package in one image)
    if (!seen || rank(detection) > rank(seen)) byKey.set(key, detection);
  });
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, detections: [...byKey.values()] };
}

function rank(d: Detection): number {
  return SEVERITY_LEVELS.indexOf(d.details.severity.level);
}

function readVulnerability(
  v: unknown,
  at: string,
  problem: (field: string, reason: string) => void,
): DevelopmentDetection | undefined {
  if (!isObject(v)) {
    problem(at, "expected an object");
    return undefined;
  }
  const before = { count: 0 };
  const fail = (field: string, reason: string) => {
    before.count++;
    problem(`${at}.${field}`, reason);
  };
  const identifiers = Array.isArray(v.identifiers)
    ? v.identifiers.filter((id): id is Record<string, unknown> => isObject(id) && nonEmpty(id.value))
    : [];
  if (identifiers.length === 0)
    fail("identifiers", "required: at least one identifier with a value (the CVE ...)");
  const location = isObject(v.location) ? v.location : undefined;
  const dependency = location && isObject(location.dependency) ? location.dependency : undefined;
  const pkg = dependency && isObject(dependency.package) ? dependency.package : undefined;
  if (!location) fail("location", "required: the package and image the vulnerability is in");
  else {
    if (!pkg || !nonEmpty(pkg.name)) fail("location.dependency.package.name", "required: the package name");
    if (!dependency || typeof dependency.version !== "string") {
      fail("location.dependency.version", "required: the installed version");
    }
    if (!nonEmpty(location.image)) fail("location.image", "required: the image that was scanned");
  }
  let gitlabLevel: SeverityLevel = "unknown";
  if (v.severity !== undefined) {
    const level = typeof v.severity === "string" ? GITLAB_SEVERITIES[v.severity.toLowerCase()] : undefined;
    if (!level)
      fail(
        "severity",
        `expected one of Critical, High, Medium, Low, Info, Unknown, not ${JSON.stringify(v.severity)}`,
      );
    else gitlabLevel = level;
  }
  if (before.count > 0) return undefined;

  const primary =
    identifiers.find((id) => typeof id.type === "string" && id.type.toLowerCase() === "cve") ??
    identifiers[0]!;
  const advisoryId = String(primary.value);
  const aliases = [...new Set(identifiers.map((id) => String(id.value)))]
    .filter((id) => id !== advisoryId)
    .sort();
  const details = isObject(v.details) ? v.details : {};
  const image = String(location!.image);
  const packageName = String(pkg!.name);
  const version = String(dependency!.version);
  const purl = detailText(details, "package_url") ?? "";
  const fixedVersion = detailText(details, "fixed_version") ?? fixedVersionOf(v.solution);
  const fixStatus = detailText(details, "fix_status") ?? "";
  const matchStatus: MatchStatus = fixedVersion
    ? "fixed"
    : /will not fix|won't fix|will_not_fix/i.test(fixStatus)
      ? "will-not-fix"
      : "affected";
  const severityItems = namedItems(details, "severity");
  const statedLevel = severityItems ? itemText(severityItems, "level") : undefined;
  const statedSource = severityItems ? itemText(severityItems, "source") : undefined;
  const score = severityItems ? itemValue(severityItems, "cvss_score") : undefined;
  const vector =
    (severityItems ? itemText(severityItems, "cvss_vector") : undefined) ??
    (Array.isArray(v.cvss_vectors) && isObject(v.cvss_vectors[0]) && nonEmpty(v.cvss_vectors[0].vector)
      ? String(v.cvss_vectors[0].vector)
      : undefined);
  const level =
    statedLevel && (SEVERITY_LEVELS as readonly string[]).includes(statedLevel)
      ? (statedLevel as SeverityLevel)
      : gitlabLevel;
  const source: SeveritySource =
    statedSource && (SEVERITY_SOURCES as readonly string[]).includes(statedSource)
      ? (statedSource as SeveritySource)
      : "database";
  const layerItems = namedItems(details, "layer");
  const epssItems = namedItems(details, "epss");
  const epss = epssItems ? itemValue(epssItems, "score") : undefined;
  const findingDetails: FindingDetails = {
    imageDigest: detailText(details, "image_digest") ?? /@(sha256:[a-f0-9]{64})$/.exec(image)?.[1] ?? "",
    image,
    packageType: packageTypeOf(purl, location!.operating_system),
    packageVersion: version,
    purl,
    path: detailText(details, "file_path") ?? "",
    layerDigest: (layerItems ? itemText(layerItems, "digest") : undefined) ?? "",
    ...(fixedVersion ? { fixedVersion } : {}),
    matchStatus,
    severity: {
      level,
      source,
      ...(score !== undefined ? { score } : {}),
      ...(vector ? { vector } : {}),
      ...(typeof v.severity === "string" && statedLevel === undefined ? { raw: v.severity } : {}),
    },
    aliases,
  };
  return {
    identity: {
      clusterId: DEVELOPMENT_CLUSTER,
      namespace: "",
      workloadKind: DEVELOPMENT_WORKLOAD_KIND,
      workloadName: imageRepository(image),
      containerName: "",
      packageName,
      advisoryId,
    },
    details: findingDetails,
    kev: isObject(details.kev),
    ...(epss !== undefined && epss >= 0 && epss <= 1 ? { epss } : {}),
  };
}

function nonEmpty(value: unknown): boolean {
  return (typeof value === "string" && value.trim() !== "") || typeof value === "number";
}

/** A `details` entry's text (`{type: "text", value}`). */
function detailText(details: Record<string, unknown>, key: string): string | undefined {
  const entry = details[key];
  return isObject(entry) && typeof entry.value === "string" && entry.value !== "" ? entry.value : undefined;
}

function namedItems(details: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
  const entry = details[key];
  return isObject(entry) && isObject(entry.items) ? entry.items : undefined;
}

function itemText(items: Record<string, unknown>, key: string): string | undefined {
  return detailText(items, key);
}

function itemValue(items: Record<string, unknown>, key: string): number | undefined {
  const entry = items[key];
  return isObject(entry) && typeof entry.value === "number" && Number.isFinite(entry.value)
    ? entry.value
    : undefined;
}

/**
 * The version a solution names: Vigil and Trivy write `Upgrade <pkg> to <version>`, GitLab's
 * analyzer `Upgrade <pkg> from <old> to <version>`.
 */
function fixedVersionOf(solution: unknown): string | undefined {
  if (typeof solution !== "string") return undefined;
  return /^Upgrade \S+ (?:from \S+ )?to (\S+?)\.?$/.exec(solution.trim())?.[1];
}

/** The package type: the purl's, else the operating system's package manager. */
function packageTypeOf(purl: string, os: unknown): PackageType {
  const type = /^pkg:([a-z0-9.+-]+)\//i.exec(purl)?.[1]?.toLowerCase();
  if (type && (PACKAGE_TYPES as readonly string[]).includes(type)) return type as PackageType;
  const name = typeof os === "string" ? os.toLowerCase() : "";
  if (/alpine|wolfi|chainguard/.test(name)) return "apk";
  if (/red ?hat|rhel|centos|fedora|rocky|alma|amazon|oracle|suse|sles|mariner|azurelinux|photon/.test(name)) {
    return "rpm";
  }
  // Debian, Ubuntu and anything unnamed: the most common base of CI images
  return "deb";
}

/** The image repository without tag or digest: what a development finding's identity names. */
function imageRepository(image: string): string {
  try {
    return repositoryOf(parseImageReference(image));
  } catch {
    return image.replace(/@sha256:[a-f0-9]{64}$/, "").replace(/:[\w][\w.-]{0,127}$/, "");
  }
}
