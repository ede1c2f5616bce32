/**
 * Which of rpm's three database formats a file holds, decided by its magic bytes and never by
 * its name: images exist where `Packages` is not what its name suggests (a SQLite file after a
 * backend switch, or an empty placeholder).
 */
import { BDB_BTREE_MAGIC, bdbByteOrder, isBdbHash } from "./bdb-hash-reader.js";
import { isNdb } from "./ndb-reader.js";
import { SQLITE_MAGIC } from "./sqlite-reader.js";

/** The rpm database backends (`%_db_backend`): `sqlite`, `bdb` (hash `Packages`), `ndb`. */
export type RpmDbFormat = "sqlite" | "bdb" | "ndb";

/** The format of the bytes, or `undefined` when they are none of rpm's databases. */
export function detectRpmDbFormat(bytes: Buffer): RpmDbFormat | undefined {
  if (bytes.length >= SQLITE_MAGIC.length && bytes.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC)) {
    return "sqlite";
  }
  if (isNdb(bytes)) return "ndb";
  // A b-tree is never rpm's Packages, but saying "unsupported BerkeleyDB b-tree" is more useful
  // than "not a database", so the BerkeleyDB reader gets it and reports that.
  if (isBdbHash(bytes) || bdbByteOrder(bytes, BDB_BTREE_MAGIC)) return "bdb";
  return undefined;
}
