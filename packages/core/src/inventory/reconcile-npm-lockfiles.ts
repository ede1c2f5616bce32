import type { LocatedIssue } from "../model/issue.js";
import type { MergedPackage } from "./merge-layers.js";

/** How many missing packages an issue names before it only counts them. */
const NAMED_IN_ISSUE = 10;

/**
 * An image often holds both a project's lockfile and the tree installed from it
 * (`/app/package-lock.json` and `/app/node_modules/**`), which list the same packages.
 * Extractors see one file each, so they cannot choose; this runs after the merge, when the
 * whole filesystem is known. Where a lockfile has installed npm packages under the
 * `node_modules` beside it, the installed tree is what the image runs: every package of
 * that lockfile is dropped (each installed one is listed once, from its `package.json`).
 * Lockfile packages missing from the tree (dev or optional dependencies left out by
 * `npm ci --omit=dev`, packages for another platform) are not in the image, so they are
 * dropped too, and one `info` issue says how many and which. A lockfile with no tree
 * beside it (an image that ships only sources, or yarn Plug'n'Play) keeps its packages.
 *
 * Lockfile packages are those whose metadata has `fromLockfile: "true"`.
 */
export function reconcileNpmLockfiles(packages: readonly MergedPackage[]): {
  packages: MergedPackage[];
  issues: LocatedIssue[];
} {
  const fromLockfile = (p: MergedPackage) => p.pkg.type === "npm" && p.pkg.metadata?.fromLockfile === "true";
  const lockfiles = new Set(packages.filter(fromLockfile).map((p) => p.location.path));
  if (lockfiles.size === 0) return { packages: [...packages], issues: [] };
  const installed = packages.filter((p) => p.pkg.type === "npm" && !fromLockfile(p));
  const dropped = new Set<string>();
  const issues: LocatedIssue[] = [];
  for (const lockfile of [...lockfiles].sort()) {
    const tree = `${lockfile.slice(0, lockfile.lastIndexOf("/"))}/node_modules/`;
    const present = new Set(
      installed.filter((p) => p.location.path.startsWith(tree)).map((p) => key(p.pkg.name, p.pkg.version)),
    );
    if (present.size === 0) continue;
    dropped.add(lockfile);
    const missing = [
      ...new Set(
        packages
          .filter((p) => fromLockfile(p) && p.location.path === lockfile)
          .map((p) => key(p.pkg.name, p.pkg.version))
          .filter((k) => !present.has(k)),
      ),
    ].sort();
    if (missing.length === 0) continue;
    const named = missing.slice(0, NAMED_IN_ISSUE).join(", ");
    const more = missing.length > NAMED_IN_ISSUE ? ` and ${missing.length - NAMED_IN_ISSUE} more` : "";
    issues.push({
      severity: "info",
      code: "npm-lockfile-not-installed",
      message:
        `${missing.length} package(s) of ${lockfile} are not installed under ${tree} ` +
        `(dev or optional dependencies left out at install?) and are not listed: ${named}${more}`,
      source: "inventory",
      location: { path: lockfile },
    });
  }
  return {
    packages: packages.filter((p) => !(fromLockfile(p) && dropped.has(p.location.path))),
    issues,
  };
}

function key(name: string, version: string): string {
  return `${name}@${version}`;
}
