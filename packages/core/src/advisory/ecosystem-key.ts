/**
 * Splits an OSV ecosystem string into the part advisories are indexed by and the release.
 * `Debian:12` → {base: "Debian", release: "12"}; `Alpine:v3.19` → {Alpine, v3.19};
 * `Ubuntu:Pro:22.04:LTS` → {Ubuntu, 22.04, pro}; `Red Hat:enterprise_linux:9::appstream` →
 * {Red Hat, 9}; `PyPI` → {PyPI}. Matching looks up (base, name) with one indexed read and
 * filters the release in memory.
 */
export interface EcosystemKey {
  readonly base: string;
  readonly release?: string;
  /** The rest that qualifies the release (`pro`, `LTS`, `appstream`). */
  readonly qualifier?: string;
}

export function ecosystemKey(ecosystem: string): EcosystemKey {
  const colon = ecosystem.indexOf(":");
  if (colon < 0) return { base: ecosystem };
  const base = ecosystem.slice(0, colon);
  const rest = ecosystem.slice(colon + 1);
  if (base === "Ubuntu") {
    const parts = rest.split(":");
    const pro = parts[0] === "Pro";
    const release = pro ? parts[1] : parts[0];
    const extra = parts.slice(pro ? 2 : 1).filter(Boolean);
    const qualifier = [pro ? "pro" : "", ...extra].filter(Boolean).join(":");
    return { base, ...(release ? { release } : {}), ...(qualifier ? { qualifier } : {}) };
  }
  if (base === "Red Hat") {
    // `enterprise_linux:9::appstream` (the repository's CPE without `cpe:/o:redhat:`)
    const parts = rest.split(":");
    const release = parts[1]?.split(".")[0];
    const qualifier = parts.slice(2).filter(Boolean).join(":");
    return { base, ...(release ? { release } : {}), ...(qualifier ? { qualifier } : {}) };
  }
  return { base, ...(rest ? { release: rest } : {}) };
}

/**
 * Package names as each ecosystem compares them: PyPI per PEP 503 (case, `-`/`_`/`.`
 * runs), everything else exactly (Go module paths and Maven coordinates are case-sensitive;
 * distributions' package names are lower-case by policy already).
 */
export function normalizePackageName(base: string, name: string): string {
  if (base === "PyPI") return name.toLowerCase().replace(/[-_.]+/g, "-");
  return name;
}
