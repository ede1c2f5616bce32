import type { AdvisorySource } from "../source.js";
import { createAlpineSecdbSource } from "./alpine-secdb/index.js";
import { createDebianTrackerSource } from "./debian-tracker/index.js";
import { createEpssSource } from "./epss/index.js";
import { createKevSource } from "./kev/index.js";
import { createOsvSource } from "./osv/index.js";
import { createAdvisorySourceList } from "./shared/source-list.js";

export * from "./alpine-secdb/index.js";
export * from "./debian-tracker/index.js";
export * from "./epss/index.js";
export * from "./kev/index.js";
export * from "./osv/index.js";
export { SourceReadError } from "./shared/read-location.js";
export { createAdvisorySourceList, DuplicateAdvisorySourceError } from "./shared/source-list.js";

/**
 * Every built-in advisory source with its defaults, listed explicitly (no registration by
 * import side effect), checked for duplicate names and sorted by name. Distribution sources
 * write ids of their own (`ALPINE-SECDB-…`, `DEBIAN-TRACKER-…`), so they can run next to the
 * osv source's `ALPINE-CVE-…` / `DEBIAN-CVE-…` records of the same CVEs.
 */
export function createBuiltinSources(): readonly AdvisorySource[] {
  return createAdvisorySourceList([
    createOsvSource(),
    createAlpineSecdbSource(),
    createDebianTrackerSource(),
    createKevSource(),
    createEpssSource(),
  ]);
}
