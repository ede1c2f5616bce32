/**
 * Debian codenames and their release numbers, the `<N>` of the OSV ecosystem `Debian:<N>`
 * that inventories carry (from `/etc/os-release` `VERSION_ID`). The tracker keys its data by
 * codename. Extend it through the source's `releases` option when a new release is named
 * (https://www.debian.org/releases/, distro-info-data's debian.csv).
 */
export const DEBIAN_RELEASE_NUMBERS: Readonly<Record<string, string>> = Object.freeze({
  buster: "10",
  bullseye: "11",
  bookworm: "12",
  trixie: "13",
  forky: "14",
});

/**
 * Suites the tracker lists that have no release number: `sid` (unstable) is never a release,
 * so no image reports `Debian:<N>` for it. They are skipped without a problem.
 */
export const DEBIAN_UNNUMBERED_SUITES: ReadonlySet<string> = new Set(["sid", "unstable", "experimental"]);
