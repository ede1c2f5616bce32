import type { Match } from "../../model/match.js";
import type { GitlabDetail, GitlabDetails, GitlabNamedDetail } from "./gitlab-report-format.js";
import type { GitlabImage, GitlabImportedFrom } from "./gitlab-report-input.js";

const KEV_CATALOG = "https://www.cisa.gov/known-exploited-vulnerabilities-catalog";

const text = (name: string, value: string): GitlabNamedDetail => ({ name, type: "text", value });
// JSON has no NaN or Infinity (they would print as null and fail the schema): write those as text.
const value = (name: string, v: number | boolean): GitlabNamedDetail =>
  typeof v === "number" && !Number.isFinite(v) ? text(name, String(v)) : { name, type: "value", value: v };

/** What a status means for the person triaging. */
const STATUS_TEXT: Readonly<Record<Match["status"], string>> = {
  fixed: "A fixed version is available",
  affected: "No fixed version yet",
  "will-not-fix": "The distribution will not fix this",
};

/**
 * `details`: the facts that explain a match and that the schema's fixed fields cannot hold
 * (schema 15.0.7 `details` is a map of named, typed fields). Keys are stable snake_case so
 * tools can read them; `name` is the label GitLab shows. Only `text`, `value`, `url`, `list`
 * and `named-list` are used. Empty facts are left out, never written as empty strings.
 *
 * A match another tool found (`importedFrom`, e.g. a Trivy Operator report) gets
 * `imported_from` instead of the facts of Vigil's own matching (matched via, affected range,
 * matching advisories), and the layer, path and image digest only when the tool gave them.
 */
export function gitlabDetails(
  match: Match,
  image: GitlabImage,
  importedFrom?: GitlabImportedFrom,
): GitlabDetails {
  const pkg = match.package;
  const details: Record<string, GitlabNamedDetail> = {};
  if (pkg.purl) details.package_url = text("Package URL", pkg.purl);
  details.fix_status = text("Fix status", STATUS_TEXT[match.status]);
  if (match.fixedVersion) details.fixed_version = text("Fixed version", match.fixedVersion);
  if (importedFrom) {
    details.imported_from = importedDetail(importedFrom);
  } else {
    details.matched_via = text(
      "Matched via",
      `${match.matchedVia} package ${match.matchedName} ${match.matchedVersion}`,
    );
    details.affected_range = text("Affected range", describeRange(match));
    details.advisories = {
      name: "Matching advisories",
      type: "list",
      items: match.advisoryIds.map((id): GitlabDetail => ({ type: "text", value: id })),
    };
  }
  details.severity = severityDetail(match);
  if (match.kev) {
    const kev: Record<string, GitlabNamedDetail> = {
      date_added: text("Date added", match.kev.dateAdded),
    };
    if (match.kev.dueDate) kev.due_date = text("Due date", match.kev.dueDate);
    if (match.kev.ransomware !== undefined)
      kev.known_ransomware_use = value("Known ransomware use", match.kev.ransomware);
    kev.catalog = { name: "Catalog", type: "url", href: KEV_CATALOG };
    details.kev = { name: "CISA Known Exploited Vulnerability", type: "named-list", items: kev };
  }
  if (match.epss) {
    details.epss = {
      name: "EPSS",
      type: "named-list",
      items: {
        score: value("Probability of exploitation in the next 30 days", match.epss.score),
        percentile: value("Percentile", match.epss.percentile),
        date: text("Date", match.epss.date),
      },
    };
  }
  const where = pkg.location;
  // An imported package's layer is not known: its digest is empty (see `trivyPackageLocation`).
  if (where.layerDigest) {
    const layer: Record<string, GitlabNamedDetail> = {
      index: value("Index", where.layerIndex),
      digest: text("Digest", where.layerDigest),
    };
    if (where.diffId) layer.diff_id = text("Diff ID", where.diffId);
    details.layer = { name: "Layer that introduced the package", type: "named-list", items: layer };
  }
  if (where.path) details.file_path = text("Found in", where.path);
  if (image.manifestDigest) details.image_digest = text("Image manifest digest", image.manifestDigest);
  return details;
}

function importedDetail(from: GitlabImportedFrom): GitlabNamedDetail {
  const items: Record<string, GitlabNamedDetail> = {
    tool: text("Tool", from.tool),
    source: text("Read from", from.source),
  };
  for (const fact of from.facts ?? []) if (fact.value) items[fact.key] = text(fact.name, fact.value);
  return { name: "Imported from", type: "named-list", items };
}

function describeRange(match: Match): string {
  const where = `${match.ecosystem} (${match.comparator})`;
  if (match.range.kind === "versions") return `${where}: version ${match.range.version} listed as affected`;
  const parts = [`introduced ${match.range.introduced}`];
  if (match.range.fixed !== undefined) parts.push(`fixed ${match.range.fixed}`);
  if (match.range.lastAffected !== undefined) parts.push(`last affected ${match.range.lastAffected}`);
  return `${where}: ${parts.join(", ")}`;
}

function severityDetail(match: Match): GitlabNamedDetail {
  const { severity } = match;
  const items: Record<string, GitlabNamedDetail> = {
    level: text("Level", severity.level),
    source: text("Source", severity.source),
  };
  if (severity.raw) items.rating = text("Rating as published", severity.raw);
  if (severity.score !== undefined) items.cvss_score = value("CVSS base score", severity.score);
  if (severity.vector) items.cvss_vector = text("CVSS vector", severity.vector);
  return { name: "Severity", type: "named-list", items };
}
