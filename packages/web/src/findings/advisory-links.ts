/**
 * Where a person reads an identifier upstream: NVD for CVEs, GitHub for GHSAs, OSV for the
 * rest (distribution advisories, PYSEC, GO, RUSTSEC …; osv.dev resolves them all).
 */
export function identifierUrl(id: string): string {
  if (/^CVE-\d{4}-\d+$/i.test(id)) return `https://nvd.nist.gov/vuln/detail/${encodeURIComponent(id)}`;
  if (/^GHSA(-[23456789cfghjmpqrvwx]{4}){3}$/i.test(id))
    return `https://github.com/advisories/${encodeURIComponent(id)}`;
  return `https://osv.dev/vulnerability/${encodeURIComponent(id)}`;
}

/**
 * A reference from an advisory as a link only when it is http(s): advisory text is
 * untrusted, and a `javascript:` or `data:` URL must never become a clickable link.
 */
export function safeHttpUrl(text: string): string | undefined {
  try {
    const url = new URL(text);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : undefined;
  } catch {
    return undefined;
  }
}
