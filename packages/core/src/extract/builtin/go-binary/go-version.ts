/**
 * The Go toolchain version recorded in a binary (`go1.22.3`, `go1.21rc2`, `go1.19`,
 * `go1.22.3 X:boringcrypto`) as the version of the `stdlib` package in OSV's Go ecosystem,
 * which spells toolchain releases as SemVer without the `v`: `1.22.3`, `1.21.0-rc.2`,
 * `1.19.0` (the convention of golang.org/x/vuln and the Go vulnerability database, whose
 * `stdlib` and `toolchain` ranges are written that way; before Go 1.21 a minor release had
 * no `.0`). Anything after the first space is a build detail (GOEXPERIMENT tags), not part of
 * the release. Undefined for development toolchains (`devel go1.23-0a1b2c3 ...`) and for any
 * spelling that is not a Go release tag, which no advisory range can be compared with.
 */
export function goToolchainVersion(recorded: string): string | undefined {
  const tag = recorded.trim().split(/\s+/)[0] ?? "";
  const match = /^go(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:(beta|rc)(\d+))?$/.exec(tag);
  if (!match) return undefined;
  const [, major, minor = "0", patch = "0", pre, preNumber] = match;
  return `${major}.${minor}.${patch}${pre ? `-${pre}.${preNumber}` : ""}`;
}

/** Whether a recorded toolchain version names a development build rather than a release. */
export function isDevelToolchain(recorded: string): boolean {
  return recorded.trim().startsWith("devel");
}

/**
 * A module version as OSV's Go ecosystem spells it: without the `v` that Go module versions
 * carry (`v1.2.3` → `1.2.3`, `v2.0.0+incompatible` → `2.0.0+incompatible`), as the Go
 * vulnerability database writes its ranges and as OSV-SCALIBR and Trivy report Go modules.
 */
export function osvGoVersion(moduleVersion: string): string {
  return /^v\d/.test(moduleVersion) ? moduleVersion.slice(1) : moduleVersion;
}
