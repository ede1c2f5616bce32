/** The rpm package database extractor (`os/rpm`): SQLite, BerkeleyDB and NDB formats. */
export { createRpmExtractor, RPM_DATABASE_PATHS } from "./rpm-extractor.js";
