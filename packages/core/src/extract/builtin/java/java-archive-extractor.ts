import {
  openZip,
  type ZipArchive,
  type ZipEntry,
  ZipError,
  ZipFormatError,
  ZipLimitError,
  zipSourceFromBuffer,
} from "../../../archive/zip/index.js";
import type { ExtractedPackage } from "../../../model/package.js";
import type { ExtractorInput, ExtractorIssue, ExtractorResult, WholeFileExtractor } from "../../extractor.js";
import { isJavaArchiveName } from "./archive-file-name.js";
import { DEFAULT_JAVA_ARCHIVE_LIMITS, type JavaArchiveLimits } from "./java-archive-limits.js";
import { fallbackIdentity, isPomPropertiesName, type MavenIdentity, pomIdentity } from "./maven-identity.js";
import { type JarManifest, parseManifest } from "./parse-manifest.js";
import { parseProperties } from "./parse-properties.js";

/** Options of {@link createJavaArchiveExtractor}. */
export interface JavaArchiveExtractorOptions {
  readonly limits?: Partial<JavaArchiveLimits>;
}

/**
 * Separator between an archive's path and a member's name, as in Java's `jar:` URLs
 * (`jar:file:/app/app.war!/WEB-INF/lib/x.jar`): `/app/app.war!/WEB-INF/lib/x.jar!/META-INF/MANIFEST.MF`.
 */
export const ARCHIVE_MEMBER_SEPARATOR = "!/";

/** The path of a member inside an archive, in the notation of {@link ARCHIVE_MEMBER_SEPARATOR}. */
export function archiveMemberPath(archivePath: string, memberName: string): string {
  return `${archivePath}${ARCHIVE_MEMBER_SEPARATOR}${memberName}`;
}

/**
 * `lang/java-archive`: Maven packages in Java archives (`.jar`, `.war`, `.ear`, `.sar`,
 * `.par`, `.hpi`, `.jpi`) and in the archives nested in them, read with the defensive zip
 * reader.
 *
 * Every `META-INF/maven/**\/pom.properties` is a package (a shaded jar reports each artifact
 * it embeds), located at `<archive>!/<member>`. An archive without a usable one falls back
 * to its `MANIFEST.MF` and file name, marked `evidence: manifest` or `filename` in the
 * metadata. A package whose group is not known is named by its artifact id alone, with an
 * info issue (Maven advisories are keyed by `group:artifact`). Damaged archives and members,
 * nesting past `maxDepth` and inflation past `maxTotalBytes` are located issues; the rest of
 * the archive is still read.
 */
export function createJavaArchiveExtractor(options: JavaArchiveExtractorOptions = {}): WholeFileExtractor {
  const limits: JavaArchiveLimits = { ...DEFAULT_JAVA_ARCHIVE_LIMITS, ...options.limits };
  return {
    name: "lang/java-archive",
    version: 1,
    required: (path) => isJavaArchiveName(path),
    extract: (input) => extractJavaArchive(input, limits),
  };
}

/** State shared by every archive read for one input file. */
interface Walk {
  readonly limits: JavaArchiveLimits;
  readonly topPath: string;
  readonly signal: AbortSignal | undefined;
  readonly packages: ExtractedPackage[];
  readonly issues: ExtractorIssue[];
  remainingBytes: number;
  /** Members skipped because `maxTotalBytes` was reached: the first one, and how many. */
  overBudget?: { path: string; count: number; bytes: number };
}

async function extractJavaArchive(
  input: ExtractorInput,
  limits: JavaArchiveLimits,
): Promise<ExtractorResult> {
  const walk: Walk = {
    limits,
    topPath: input.path,
    signal: input.signal,
    packages: [],
    issues: [],
    remainingBytes: limits.maxTotalBytes,
  };
  await readArchive(walk, input.content, input.path, 1);
  if (walk.overBudget) {
    const { path, count, bytes } = walk.overBudget;
    walk.issues.push({
      severity: "warning",
      code: "java-archive-size-limit",
      message:
        `inflating members of ${input.path} reached the limit of ${limits.maxTotalBytes} bytes: ` +
        `${count} member${count === 1 ? "" : "s"} (${bytes} bytes) not read, the first being this one`,
      ...at(walk, path),
    });
  }
  return { packages: walk.packages, issues: walk.issues };
}

/** `path` for an issue or package: omitted when it is the input file itself. */
function at(walk: Walk, path: string): { path?: string } {
  return path === walk.topPath ? {} : { path };
}

/**
 * Reads one archive (the input file or a nested one) and, depth permitting, the archives in
 * it. Returns how many packages it and its nested archives produced.
 */
async function readArchive(walk: Walk, bytes: Buffer, archivePath: string, depth: number): Promise<number> {
  let zip: ZipArchive;
  try {
    zip = await openZip(zipSourceFromBuffer(bytes));
  } catch (error) {
    if (!(error instanceof ZipError)) throw error;
    walk.issues.push({
      severity: "error",
      code: "java-archive-unreadable",
      message: `${archivePath} cannot be read as a zip archive: ${error.message}`,
      ...at(walk, archivePath),
    });
    return 0;
  }
  const before = walk.packages.length;
  const files = zip.entries.filter((e) => !e.isDirectory);

  let fromPom = 0;
  for (const entry of files.filter((e) => isPomPropertiesName(e.name))) {
    walk.signal?.throwIfAborted();
    const memberPath = archiveMemberPath(archivePath, entry.name);
    const data = await readMember(walk, zip, entry, memberPath, walk.limits.maxMetadataBytes);
    if (data === undefined) continue;
    const { values, problems } = parseProperties(data);
    for (const problem of problems) {
      walk.issues.push({
        severity: "warning",
        code: "java-pom-properties-syntax",
        message: problem.message,
        line: problem.line,
        path: memberPath,
      });
    }
    const found = pomIdentity(values, entry.name);
    if ("missing" in found) {
      walk.issues.push({
        severity: "warning",
        code: "java-pom-properties-incomplete",
        message: `pom.properties has no valid ${found.missing.join(" or ")}; no package read from it`,
        path: memberPath,
      });
      continue;
    }
    if (found.groupFromPath) {
      walk.issues.push({
        severity: "info",
        code: "java-pom-group-from-path",
        message: `pom.properties has no groupId; took ${found.identity.groupId} from its directory`,
        path: memberPath,
      });
    }
    addPackage(walk, found.identity, memberPath);
    fromPom++;
  }

  let unidentified: string | undefined;
  if (fromPom === 0) {
    const manifest = await readManifest(walk, zip, files, archivePath);
    const fallback = fallbackIdentity(manifest, archivePath);
    if ("identity" in fallback) addPackage(walk, fallback.identity, archivePath);
    else unidentified = describeShortfall(fallback);
  }

  for (const entry of files.filter((e) => isJavaArchiveName(e.name))) {
    walk.signal?.throwIfAborted();
    const memberPath = archiveMemberPath(archivePath, entry.name);
    if (depth + 1 > walk.limits.maxDepth) {
      walk.issues.push({
        severity: "warning",
        code: "java-archive-too-deep",
        message: `nested archive not read: it would be archive ${depth + 1} in a chain, over the limit of ${walk.limits.maxDepth}`,
        path: memberPath,
      });
      continue;
    }
    const nested = await readMember(walk, zip, entry, memberPath, Number.POSITIVE_INFINITY);
    if (nested !== undefined) await readArchive(walk, nested, memberPath, depth + 1);
  }

  const found = walk.packages.length - before;
  if (found === 0 && unidentified !== undefined) {
    walk.issues.push({
      severity: "info",
      code: "java-archive-unidentified",
      message: `no pom.properties, and the manifest and file name give ${unidentified}; no package reported`,
      ...at(walk, archivePath),
    });
  }
  return found;
}

function describeShortfall(found: { artifactId?: string; version?: string }): string {
  if (found.artifactId) return `artifact id ${found.artifactId} but no version`;
  if (found.version) return `version ${found.version} but no artifact id`;
  return "neither artifact id nor version";
}

async function readManifest(
  walk: Walk,
  zip: ZipArchive,
  files: readonly ZipEntry[],
  archivePath: string,
): Promise<JarManifest | undefined> {
  // java.util.jar.JarFile looks the manifest up case-insensitively.
  const entry = files.find((e) => e.name.toUpperCase() === "META-INF/MANIFEST.MF");
  if (entry === undefined) return undefined;
  const memberPath = archiveMemberPath(archivePath, entry.name);
  const data = await readMember(walk, zip, entry, memberPath, walk.limits.maxMetadataBytes);
  if (data === undefined) return undefined;
  const { manifest, problems } = parseManifest(data);
  for (const problem of problems) {
    walk.issues.push({
      severity: "warning",
      code: "java-manifest-syntax",
      message: problem.message,
      line: problem.line,
      path: memberPath,
    });
  }
  return manifest;
}

/**
 * One member's content, or undefined after recording why not: damaged, over its own limit
 * (a metadata file, or a likely zip bomb), or over what is left of `maxTotalBytes`.
 */
async function readMember(
  walk: Walk,
  zip: ZipArchive,
  entry: ZipEntry,
  memberPath: string,
  maxBytes: number,
): Promise<Buffer | undefined> {
  // The declared size is an upper bound: the reader never inflates past it.
  if (entry.uncompressedSize <= maxBytes && entry.uncompressedSize > walk.remainingBytes) {
    walk.overBudget ??= { path: memberPath, count: 0, bytes: 0 };
    walk.overBudget.count++;
    walk.overBudget.bytes += entry.uncompressedSize;
    return undefined;
  }
  try {
    const data = await zip.readEntry(entry, {
      maxBytes: Math.min(maxBytes, walk.remainingBytes),
      ...(walk.signal ? { signal: walk.signal } : {}),
    });
    walk.remainingBytes -= data.length;
    return data;
  } catch (error) {
    if (!(error instanceof ZipError)) throw error;
    const limited = error instanceof ZipLimitError;
    const reason = error instanceof ZipLimitError || error instanceof ZipFormatError ? error.reason : "zip";
    walk.issues.push({
      severity: "error",
      code: limited ? "java-member-over-limit" : "java-member-unreadable",
      message: `${limited ? "not read" : "cannot be read"} (${reason}): ${error.message}`,
      path: memberPath,
    });
    return undefined;
  }
}

function addPackage(walk: Walk, identity: MavenIdentity, path: string): void {
  const { groupId, artifactId, version, evidence } = identity;
  const metadata: Record<string, string> = { artifactId, evidence };
  if (groupId) metadata.groupId = groupId;
  walk.packages.push({
    type: "maven",
    name: groupId ? `${groupId}:${artifactId}` : artifactId,
    version,
    ...at(walk, path),
    metadata,
  });
  if (!groupId) {
    walk.issues.push({
      severity: "info",
      code: "java-no-group-id",
      message:
        `${artifactId} ${version} (from its ${evidence}) has no known Maven group; reported by ` +
        "artifact id alone, which Maven advisories (keyed by group:artifact) do not match",
      record: `${artifactId}@${version}`,
      ...at(walk, path),
    });
  }
}
