import type { Match } from "../../model/match.js";
import type { GitlabIdentifier } from "./gitlab-report-format.js";

interface IdentifierRule {
  readonly pattern: RegExp;
  /** GitLab identifier `type`: lower-case, as GitLab's own analyzers write `cve`, `ghsa`, `usn`. */
  readonly type: string;
  /** The page a person reads it on; `m` is the match of `pattern` (group 1 is an embedded CVE id). */
  readonly url?: (m: RegExpMatchArray) => string;
}

const CVE = "CVE-\\d{4}-\\d{4,}";
const debianTracker = (m: RegExpMatchArray) => `https://security-tracker.debian.org/tracker/${m[1] ?? m[0]}`;
const redHatErrata = (m: RegExpMatchArray) => `https://access.redhat.com/errata/${m[0]}`;

/**
 * Known advisory id formats. The CVE and GHSA URLs are the ones GitLab's container scanning
 * analyzer writes (`lib/template/grype.tpl`); the others are each vendor's advisory page.
 * `DEBIAN-CVE-…`, `UBUNTU-CVE-…` and `ALPINE-CVE-…` are OSV's ids for a distribution's
 * record of a CVE, so they link to that distribution's page for the CVE.
 */
const RULES: readonly IdentifierRule[] = [
  { pattern: new RegExp(`^${CVE}$`), type: "cve", url: (m) => `https://nvd.nist.gov/vuln/detail/${m[0]}` },
  {
    pattern: /^GHSA(?:-[23456789cfghjmpqrvwx]{4}){3}$/,
    type: "ghsa",
    url: (m) => `https://github.com/advisories/${m[0]}`,
  },
  { pattern: /^DSA-\d+(?:-\d+)?$/, type: "dsa", url: debianTracker },
  { pattern: /^DLA-\d+(?:-\d+)?$/, type: "dla", url: debianTracker },
  { pattern: /^DTSA-\d+(?:-\d+)?$/, type: "dtsa", url: debianTracker },
  { pattern: new RegExp(`^DEBIAN-(${CVE})$`), type: "debian", url: debianTracker },
  { pattern: /^USN-\d+-\d+$/, type: "usn", url: (m) => `https://ubuntu.com/security/notices/${m[0]}` },
  {
    pattern: new RegExp(`^UBUNTU-(${CVE})$`),
    type: "ubuntu",
    url: (m) => `https://ubuntu.com/security/${m[1]}`,
  },
  { pattern: /^RHSA-\d{4}:\d+$/, type: "rhsa", url: redHatErrata },
  { pattern: /^RHBA-\d{4}:\d+$/, type: "rhba", url: redHatErrata },
  { pattern: /^RHEA-\d{4}:\d+$/, type: "rhea", url: redHatErrata },
  {
    pattern: new RegExp(`^ALPINE-(${CVE})$`),
    type: "alpine",
    url: (m) => `https://security.alpinelinux.org/vuln/${m[1]}`,
  },
  { pattern: /^ELSA-\d{4}-\d+$/, type: "elsa", url: (m) => `https://linux.oracle.com/errata/${m[0]}.html` },
  { pattern: /^GO-\d{4}-\d+$/, type: "go", url: (m) => `https://pkg.go.dev/vuln/${m[0]}` },
  {
    pattern: /^RUSTSEC-\d{4}-\d+$/,
    type: "rustsec",
    url: (m) => `https://rustsec.org/advisories/${m[0]}.html`,
  },
  { pattern: /^PYSEC-\d{4}-\d+$/, type: "pysec", url: (m) => `https://osv.dev/vulnerability/${m[0]}` },
];

/**
 * The GitLab identifier of one advisory or vulnerability id. Unknown formats get their
 * prefix as type (`SUSE-SU-2024:0001-1` → `suse`) and no URL rather than a guessed one.
 */
export function gitlabIdentifier(id: string): GitlabIdentifier {
  for (const rule of RULES) {
    const m = id.match(rule.pattern);
    if (m) return { type: rule.type, name: id, value: id, ...(rule.url ? { url: rule.url(m) } : {}) };
  }
  const prefix = /^([A-Za-z][A-Za-z0-9]*)-/.exec(id)?.[1];
  return { type: prefix ? prefix.toLowerCase() : "advisory", name: id, value: id };
}

/**
 * `identifiers` of a match: the primary id first (GitLab's primary identifier, part of its
 * own finding fingerprint), then every alias and matching advisory id once, sorted.
 */
export function gitlabIdentifiers(match: Pick<Match, "id" | "aliases" | "advisoryIds">): GitlabIdentifier[] {
  const others = new Set([...match.aliases, ...match.advisoryIds].filter((id) => id !== ""));
  others.delete(match.id);
  return [match.id, ...[...others].sort()].map(gitlabIdentifier);
}
