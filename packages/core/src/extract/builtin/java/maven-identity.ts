import { parseArchiveFileName } from "./archive-file-name.js";
import { type JarManifest, manifestValue } from "./parse-manifest.js";

/**
 * Where a Java package's coordinates came from, weakest source used: a `pom.properties`
 * Maven wrote, manifest headers, or (for the artifact id or version) the archive's file name.
 * Matching can trust the first and should weigh the other two.
 */
export type MavenEvidence = "pom.properties" | "manifest" | "filename";

/** Maven coordinates as far as they are known; a missing group is left missing, never guessed. */
export interface MavenIdentity {
  readonly groupId?: string;
  readonly artifactId: string;
  readonly version: string;
  readonly evidence: MavenEvidence;
}

/** Maven's own pattern for group and artifact ids (`[A-Za-z0-9_\-.]+`). */
const MAVEN_ID = /^[A-Za-z0-9_.-]+$/;

/** True when the text can be a Maven group or artifact id. */
export function isMavenId(text: string | undefined): text is string {
  return text !== undefined && MAVEN_ID.test(text);
}

/** `META-INF/maven/<groupId>/<artifactId>/pom.properties`: the path Maven writes it at. */
const POM_PROPERTIES_PATH = /^META-INF\/maven\/([^/]+)\/([^/]+)\/pom\.properties$/;

/** True for a `pom.properties` under `META-INF/maven/` (at any depth, as shading tools leave them). */
export function isPomPropertiesName(name: string): boolean {
  return name.startsWith("META-INF/maven/") && name.endsWith("/pom.properties");
}

/** What one `pom.properties` says, or why it is not enough for a package. */
export type PomIdentity =
  | { readonly identity: MavenIdentity; readonly groupFromPath: boolean }
  | { readonly missing: readonly string[] };

/**
 * The coordinates in one `pom.properties`. A missing `groupId` is taken from the directory
 * Maven wrote the file in (`META-INF/maven/<groupId>/<artifactId>/`), which is the same value
 * and not a guess; a missing or invalid artifact id or version leaves no package.
 */
export function pomIdentity(values: ReadonlyMap<string, string>, entryName: string): PomIdentity {
  const artifactId = values.get("artifactId")?.trim();
  const version = values.get("version")?.trim();
  let groupId = values.get("groupId")?.trim();
  let groupFromPath = false;
  if (!isMavenId(groupId)) {
    const fromPath = POM_PROPERTIES_PATH.exec(entryName)?.[1];
    if (isMavenId(fromPath) && (groupId === undefined || groupId === "")) {
      groupId = fromPath;
      groupFromPath = true;
    } else groupId = undefined;
  }
  const missing: string[] = [];
  if (!isMavenId(artifactId)) missing.push("artifactId");
  if (!version || /\s/.test(version)) missing.push("version");
  if (missing.length > 0) return { missing };
  return {
    identity: {
      ...(groupId ? { groupId } : {}),
      artifactId: artifactId!,
      version: version!,
      evidence: "pom.properties",
    },
    groupFromPath,
  };
}

/** A manifest/file-name identity, or what was found short of one. */
export type FallbackIdentity =
  | { readonly identity: MavenIdentity }
  | { readonly artifactId?: string; readonly version?: string };

/**
 * Coordinates of an archive that has no `pom.properties`, from its manifest and file name.
 *
 * - Group: an Ivy/Gradle `Implementation-Title: group#module;version`; the Jenkins plugin
 *   `Group-Id`; `Implementation-Vendor-Id` (where Maven's archiver wrote the group id).
 *   Nothing else: a name like `spring-web` has a well-known group, but knowing it is
 *   guessing; and `Bundle-SymbolicName` does not say where the group ends, because
 *   maven-bundle-plugin writes `org.apache.ivy` for `org.apache.ivy:ivy` and
 *   `com.google.guava.failureaccess` for `com.google.guava:failureaccess`
 *   (https://felix.apache.org/documentation/subprojects/apache-felix-maven-bundle-plugin-bnd.html).
 * - Artifact id: the file name's (`name-1.2.3.jar`, as Maven names files), else the Jenkins
 *   `Short-Name`, the Ivy module, an `Implementation-Title` that is a valid id, the file name
 *   without extension.
 * - Version: `Implementation-Version`, Jenkins `Plugin-Version`, the file name's,
 *   `Bundle-Version`; a value with spaces (`1.4 1855 April 22 2006`) up to its first space.
 */
export function fallbackIdentity(manifest: JarManifest | undefined, archivePath: string): FallbackIdentity {
  const file = parseArchiveFileName(archivePath);
  const get = (header: string) =>
    (manifest ? manifestValue(manifest, header)?.trim() : undefined) || undefined;
  const ivy = /^([A-Za-z0-9_.-]+)#([A-Za-z0-9_.-]+)(?:;(\S+))?$/.exec(get("Implementation-Title") ?? "");
  let artifactFromFile = false;
  let artifactId: string | undefined;
  if (isMavenId(file.artifactId)) {
    artifactId = file.artifactId;
    artifactFromFile = true;
  } else {
    artifactId = [get("Short-Name"), ivy?.[2], get("Implementation-Title")].find(isMavenId);
    if (artifactId === undefined && isMavenId(file.stem)) {
      artifactId = file.stem;
      artifactFromFile = true;
    }
  }

  let versionFromFile = false;
  let version = firstToken(get("Implementation-Version")) ?? firstToken(get("Plugin-Version"));
  if (version === undefined && file.version) {
    version = file.version;
    versionFromFile = true;
  }
  version ??= firstToken(get("Bundle-Version"));

  if (artifactId === undefined || version === undefined) {
    return { ...(artifactId ? { artifactId } : {}), ...(version ? { version } : {}) };
  }

  const groupId = [ivy?.[1], get("Group-Id"), get("Implementation-Vendor-Id")].find(isMavenId);
  const manifestOnly = !artifactFromFile && !versionFromFile;
  return {
    identity: {
      ...(groupId ? { groupId } : {}),
      artifactId,
      version,
      evidence: manifestOnly ? "manifest" : "filename",
    },
  };
}

function firstToken(value: string | undefined): string | undefined {
  const token = value?.split(/\s+/)[0];
  return token ? token : undefined;
}
