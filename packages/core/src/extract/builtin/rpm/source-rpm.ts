/**
 * The source RPM file name a binary package was built from (`SOURCERPM`, e.g.
 * `curl-7.76.1-14.el9.src.rpm`), split into name, version and release. Distribution advisories
 * are keyed by this source name (ARCHITECTURE.md section 3).
 */

/** Name, version and release of a source RPM. */
export interface SourceRpm {
  readonly name: string;
  readonly version: string;
  readonly release: string;
}

/**
 * Split `name-version-release.arch.rpm` from the right: names may contain dashes, versions and
 * releases may not (rpm forbids `-` in both), so the last two dashes are the separators.
 * The `.src` / `.nosrc` arch part is dropped; any other dotted suffix is part of the release
 * (rpmbuild always writes one of those two, so a different suffix is not an arch we know).
 * `undefined` when the name does not have that shape.
 */
export function parseSourceRpm(fileName: string): SourceRpm | undefined {
  let base = fileName.endsWith(".rpm") ? fileName.slice(0, -".rpm".length) : fileName;
  for (const arch of [".src", ".nosrc"]) {
    if (base.endsWith(arch)) {
      base = base.slice(0, -arch.length);
      break;
    }
  }
  const releaseAt = base.lastIndexOf("-");
  if (releaseAt <= 0) return undefined;
  const versionAt = base.lastIndexOf("-", releaseAt - 1);
  if (versionAt <= 0) return undefined;
  const name = base.slice(0, versionAt);
  const version = base.slice(versionAt + 1, releaseAt);
  const release = base.slice(releaseAt + 1);
  if (name === "" || version === "" || release === "") return undefined;
  return { name, version, release };
}
