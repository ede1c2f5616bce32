/**
 * File-name extensions of Java archives that are zip files and can hold Maven metadata or
 * further archives: `.jar`; web (`.war`) and enterprise (`.ear`) applications; JBoss
 * service (`.sar`) and persistence (`.par`) archives; Jenkins plugins (`.hpi`, `.jpi`).
 * Left out: `.rar` (a JCA adapter, but far more often a RAR archive, which is not a zip),
 * `.jmod` (not a zip), and `.zip` (too many are not Java).
 */
export const JAVA_ARCHIVE_EXTENSIONS: readonly string[] = [
  ".jar",
  ".war",
  ".ear",
  ".sar",
  ".par",
  ".hpi",
  ".jpi",
];

/** True when a path or member name ends with a Java archive extension (any case). */
export function isJavaArchiveName(name: string): boolean {
  const lower = name.toLowerCase();
  const dot = lower.lastIndexOf(".");
  // `/x/.jar` has no base name; a directory entry (`lib.jar/`) ends in a slash and fails here.
  if (dot <= 0 || lower[dot - 1] === "/") return false;
  return JAVA_ARCHIVE_EXTENSIONS.includes(lower.slice(dot));
}

/** An artifact id and perhaps a version read from an archive's file name. */
export interface ArchiveFileName {
  /** The base name without its extension (`commons-lang3-3.12.0`). */
  readonly stem: string;
  /** The name before the version, when a version was found (`commons-lang3`). */
  readonly artifactId?: string;
  readonly version?: string;
}

/**
 * Splits `name-1.2.3.jar` into artifact id and version the way Maven names its files
 * (`artifactId-version[-classifier].jar`): at the first `-` followed by a digit; failing
 * that, at the first `_` or `.` followed by a digit (`name_1.2.jar`, `name.1.2.jar`).
 * Preferring `-` keeps Scala suffixes in the name (`kafka_2.13-3.2.2.jar` is artifact
 * `kafka_2.13`). A dotted name is not split into a group (`com.google.src.yolo-0.1.jar`
 * stays one artifact id): that would be a guess.
 */
export function parseArchiveFileName(path: string): ArchiveFileName {
  const base = path.slice(path.lastIndexOf("/") + 1);
  const dot = base.lastIndexOf(".");
  const stem = dot > 0 ? base.slice(0, dot) : base;
  const at = findVersionStart(stem, /-/) ?? findVersionStart(stem, /[_.]/);
  if (at === undefined) return { stem };
  return { stem, artifactId: stem.slice(0, at), version: stem.slice(at + 1) };
}

function findVersionStart(stem: string, separator: RegExp): number | undefined {
  for (let i = 1; i < stem.length - 1; i++) {
    if (separator.test(stem[i]!) && /[0-9]/.test(stem[i + 1]!)) return i;
  }
  return undefined;
}
