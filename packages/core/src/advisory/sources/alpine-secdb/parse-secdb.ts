import { quoteValue } from "../../../model/quote-value.js";
import { apkComparator } from "../../../version/apk/apk.js";
import type { SyncProblem } from "../../source.js";
import { isCveId, isVulnerabilityId } from "../shared/vulnerability-id.js";
import { isWellFormedText } from "../shared/well-formed-text.js";

/**
 * One secfixes statement: in Alpine `release`, the package built from origin `name` fixed
 * `id` in version `fixed`. `fixed` is `0` when the maintainers declare the package never
 * affected (see build-records.ts).
 */
export interface SecfixEntry {
  readonly id: string;
  readonly release: string;
  readonly repository: string;
  readonly name: string;
  readonly fixed: string;
}

/** What one secdb document (`<release>/<repository>.json`) holds. */
export interface ParsedSecdb {
  readonly release: string;
  readonly repository: string;
  readonly entries: readonly SecfixEntry[];
  readonly problems: readonly SyncProblem[];
}

/**
 * The document is not a secdb document at all (not an object, no `packages` array, no
 * release). Thrown rather than reported: in snapshot mode a skipped file would silently
 * delete every advisory of that release.
 */
export class SecdbFormatError extends Error {
  override readonly name = "SecdbFormatError";
}

/** Where the document was read from, and what its path says it is. */
export interface SecdbContext {
  readonly location: string;
  /** The release the layout (`v3.19/main.json`) implies, if any. */
  readonly release?: string;
  /** The repository the layout implies (`main`), if any. */
  readonly repository?: string;
}

/** Alpine release names as secdb writes them: `v3.19`, or `edge`. */
export function isAlpineRelease(text: string): boolean {
  return /^v\d+\.\d+$/.test(text) || text === "edge";
}

/**
 * Read one secdb JSON document (https://secdb.alpinelinux.org, generated from the
 * `# secfixes:` comments of the aports APKBUILDs): `{distroversion, reponame, packages:
 * [{pkg: {name, secfixes: {"<fixed version>": ["<id> [text]", ...]}}}]}`. Package names are
 * origins (source packages), the key matching needs. Bad entries become problems; only a
 * document that is not secdb at all throws {@link SecdbFormatError}.
 */
export function parseSecdbDocument(document: unknown, context: SecdbContext): ParsedSecdb {
  const { location } = context;
  if (!isObject(document))
    throw new SecdbFormatError(`${location} is not an Alpine secdb document (expected an object)`);
  const problems: SyncProblem[] = [];

  const declared = typeof document.distroversion === "string" ? document.distroversion : undefined;
  let release: string;
  if (declared !== undefined && isAlpineRelease(declared)) {
    release = declared;
    if (context.release !== undefined && context.release !== declared) {
      problems.push({
        location,
        reason: `the file says it is release ${declared} but was found under ${context.release}; using ${declared}`,
      });
    }
  } else if (context.release !== undefined && isAlpineRelease(context.release)) {
    release = context.release;
  } else {
    throw new SecdbFormatError(
      `${location} names no Alpine release (distroversion ${quoteValue(document.distroversion)}); ` +
        "read it from a <release>/<repository>.json layout or fix the file",
    );
  }
  const repository =
    typeof document.reponame === "string" && document.reponame
      ? document.reponame
      : (context.repository ?? "main");

  if (!Array.isArray(document.packages)) {
    throw new SecdbFormatError(`${location} is not an Alpine secdb document (no packages array)`);
  }

  const entries: SecfixEntry[] = [];
  document.packages.forEach((item: unknown, index: number) => {
    const where = `${location}#packages[${index}]`;
    const pkg = isObject(item) ? item.pkg : undefined;
    if (!isObject(pkg) || typeof pkg.name !== "string" || pkg.name.trim() === "") {
      problems.push({ location: where, reason: "package entry without pkg.name; skipped" });
      return;
    }
    const name = pkg.name.trim();
    if (!isWellFormedText(name)) {
      problems.push({ location: where, reason: "pkg.name is not text (an unpaired surrogate); skipped" });
      return;
    }
    if (pkg.secfixes === undefined || pkg.secfixes === null) return;
    if (!isObject(pkg.secfixes)) {
      problems.push({ location: where, reason: `secfixes of ${name} is not an object; skipped` });
      return;
    }
    for (const [key, list] of Object.entries(pkg.secfixes)) {
      const fixed = key.trim();
      if (!Array.isArray(list)) {
        problems.push({
          location: where,
          reason: `secfixes ${JSON.stringify(key)} of ${name} is not a list; skipped`,
        });
        continue;
      }
      if (!apkComparator.isValid(fixed)) {
        // OSV.dev's converter drops these too (vulnfeeds/cmd/alpine, validVersion); a range
        // bound that cannot be compared would make every installed version "unknown".
        problems.push({
          location: where,
          reason: `fixed version ${JSON.stringify(key)} of ${name} is not a valid apk version; its ${list.length} id(s) skipped`,
        });
        continue;
      }
      for (const text of list) {
        const ids = idsOf(text);
        if (typeof ids === "string") {
          problems.push({ location: where, reason: `${name} ${fixed}: ${ids}; skipped` });
          continue;
        }
        for (const id of ids) entries.push({ id, release, repository, name, fixed });
      }
    }
  });
  return { release, repository, entries, problems };
}

/**
 * The ids one secfixes line names. The first word is the id (`CVE-2022-41925 TS-2022-005`:
 * the rest is a cross-reference, as OSV.dev reads it too); further CVE ids on the same line
 * are separate vulnerabilities fixed by the same version (`CVE-2019-17349 CVE-2019-17350
 * XSA-295`) and get their own records. Other words are not ids of their own: an XSA can cover
 * several CVEs, so it is neither an alias nor a separate fix.
 *
 * When the first word is a placeholder for a CVE not yet assigned (`CVE-????-????? XSA-312`,
 * `CVE N/A ZBX-11023`), the cross-reference is the only identity the fix has, so the first
 * later word shaped like an advisory id (`XSA-312`) becomes the id. Returns a reason when the
 * line names no usable id (`CVE-46838`, `CVE-2021-35940.patch`).
 */
function idsOf(text: unknown): readonly string[] | string {
  if (typeof text !== "string") return `entry ${quoteValue(text)} is not a string`;
  const words = text.trim().split(/\s+/);
  const first = words[0] ?? "";
  // `CVE` alone, or a CVE id with `?` for the digits not known yet.
  const placeholder = /^CVE$/i.test(first) || (/^CVE-[\d?]+-[\d?]+$/i.test(first) && first.includes("?"));
  let id: string | undefined;
  let rest = words.slice(1);
  if (first.toUpperCase().startsWith("CVE-") ? isCveId(first) : !placeholder && isVulnerabilityId(first)) {
    id = first;
  } else if (placeholder) {
    const at = rest.findIndex((word) => isCveId(word) || /^[A-Z][A-Z0-9]+(-[A-Za-z0-9]+)+$/.test(word));
    if (at >= 0) {
      id = rest[at];
      rest = rest.slice(at + 1);
    }
  }
  if (id === undefined) return `${JSON.stringify(text)} does not start with a valid vulnerability id`;
  const ids = [id];
  for (const word of rest) if (isCveId(word) && !ids.includes(word)) ids.push(word);
  return ids;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
