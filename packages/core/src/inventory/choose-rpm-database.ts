import type { LocatedIssue } from "../model/issue.js";
import type { MergedPackage } from "./merge-layers.js";

/**
 * rpm reads exactly one database backend; an image converted from BerkeleyDB to SQLite
 * can still carry the old `Packages` file. Count only the database rpm itself would use
 * (sqlite, then ndb, then bdb, as rpm 4.16+ prefers), so packages are not listed twice.
 */
const PREFERENCE = ["rpmdb.sqlite", "Packages.db", "Packages"];

export function chooseRpmDatabase(packages: readonly MergedPackage[]): {
  packages: MergedPackage[];
  issues: LocatedIssue[];
} {
  const rpmFiles = new Set(packages.filter((p) => p.pkg.foundBy === "os/rpm").map((p) => p.location.path));
  if (rpmFiles.size <= 1) return { packages: [...packages], issues: [] };
  const rank = (path: string) => {
    const index = PREFERENCE.indexOf(path.slice(path.lastIndexOf("/") + 1));
    return index < 0 ? PREFERENCE.length : index;
  };
  const chosen = [...rpmFiles].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1))[0]!;
  const ignored = [...rpmFiles].filter((f) => f !== chosen);
  return {
    packages: packages.filter((p) => p.pkg.foundBy !== "os/rpm" || p.location.path === chosen),
    issues: ignored.map((path) => ({
      severity: "info" as const,
      code: "rpm-database-ignored",
      message: `${path} is ignored: the image also has ${chosen}, which rpm reads instead`,
      source: "inventory",
      location: { path },
    })),
  };
}
