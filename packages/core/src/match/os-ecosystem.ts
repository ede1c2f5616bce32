import { ecosystemKey } from "../advisory/ecosystem-key.js";
import type { OsInfo } from "../model/os-info.js";

/**
 * Which advisories apply to an image's OS packages: the distribution's own ecosystem for
 * the exact release (ARCHITECTURE.md section 4), never another release's and never CPEs.
 */
export interface OsEcosystem {
  /** Ecosystem base the advisories are indexed by: `Debian`, `Alpine`, `Red Hat` ... */
  readonly base: string;
  /** The release as advisories spell it: `12`, `v3.19`, `22.04`, `9`. */
  readonly release?: string;
  /** Does an affected entry's full ecosystem string apply to this image? */
  applies(ecosystem: string): boolean;
  /** How people read it: `Debian:12`. */
  readonly label: string;
}

/** Why OS packages could not be matched. */
export interface OsNotMatched {
  readonly reason: string;
}

/** Map an identified OS to the advisory ecosystem of its release. */
export function osEcosystem(os: OsInfo | undefined): OsEcosystem | OsNotMatched {
  if (!os) return { reason: "the operating system could not be identified (no os-release or release file)" };
  const version = os.versionId ?? "";
  const major = version.split(".")[0] ?? "";
  const majorMinor = version.split(".").slice(0, 2).join(".");
  switch (os.id) {
    case "debian":
      return major
        ? exact("Debian", major)
        : {
            reason: `Debian without a release number (${os.versionCodename ?? "testing/sid"}) has no security advisories to match`,
          };
    case "ubuntu":
      // Ubuntu Pro (ESM) fixes need a subscription an image does not have: match the public pocket only.
      return version ? release("Ubuntu", version, (key) => !key.qualifier?.startsWith("pro")) : missing(os);
    case "alpine":
      return majorMinor ? exact("Alpine", `v${majorMinor}`) : missing(os);
    case "rhel":
    case "centos":
      // CentOS Linux rebuilds RHEL; Red Hat's errata are its advisories too.
      return major ? release("Red Hat", major) : missing(os);
    case "rocky":
      return major ? exact("Rocky Linux", major) : missing(os);
    case "almalinux":
      return major ? exact("AlmaLinux", major) : missing(os);
    case "wolfi":
      return anyRelease("Wolfi");
    case "chainguard":
      return anyRelease("Chainguard");
    default:
      return { reason: `no advisory source for ${os.prettyName ?? os.id} is supported yet` };
  }
}

function exact(base: string, rel: string): OsEcosystem {
  return release(base, rel);
}

function release(
  base: string,
  rel: string,
  accept: (key: ReturnType<typeof ecosystemKey>) => boolean = () => true,
): OsEcosystem {
  return {
    base,
    release: rel,
    label: `${base}:${rel}`,
    applies(ecosystem) {
      const key = ecosystemKey(ecosystem);
      return key.base === base && key.release === rel && accept(key);
    },
  };
}

function anyRelease(base: string): OsEcosystem {
  return { base, label: base, applies: (ecosystem) => ecosystemKey(ecosystem).base === base };
}

function missing(os: OsInfo): OsNotMatched {
  return {
    reason: `${os.prettyName ?? os.id} has no VERSION_ID, so its release's advisories cannot be chosen`,
  };
}
