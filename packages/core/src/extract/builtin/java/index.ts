export {
  type ArchiveFileName,
  isJavaArchiveName,
  JAVA_ARCHIVE_EXTENSIONS,
  parseArchiveFileName,
} from "./archive-file-name.js";
export {
  ARCHIVE_MEMBER_SEPARATOR,
  archiveMemberPath,
  createJavaArchiveExtractor,
  type JavaArchiveExtractorOptions,
} from "./java-archive-extractor.js";
export { DEFAULT_JAVA_ARCHIVE_LIMITS, type JavaArchiveLimits } from "./java-archive-limits.js";
export type { MavenEvidence, MavenIdentity } from "./maven-identity.js";
export { type JarManifest, manifestValue, parseManifest } from "./parse-manifest.js";
export { parseProperties } from "./parse-properties.js";
