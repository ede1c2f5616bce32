/**
 * Which webhook URLs the server accepts and sends to.
 *
 * SSRF: a webhook makes the server send POST requests to a URL a maintainer chose. Vigil does
 * NOT refuse private or loopback addresses by default: receivers inside the cluster or on the
 * same host (a chat bridge, an alert manager) are the common case, and webhooks are configured
 * by maintainers, not by anyone who can sign in. What it does:
 * - only `http:` and `https:` URLs, without credentials in them (`user:pass@` would be logged
 *   and shown with the URL; put a token in the path or the query of a service that wants one);
 * - redirects are never followed (a 3xx fails the delivery), so an allowed host cannot bounce
 *   the request elsewhere;
 * - an optional allow-list of hosts (`allowedHosts`: exact names, or `*.example.com` for
 *   sub-domains), checked when a webhook is saved AND before every attempt, for installs that
 *   want to pin where notifications may go;
 * - the response body is never read or stored, so the endpoint's answer cannot be exfiltrated
 *   through the delivery log (only its status code is kept).
 */
export interface WebhookUrlPolicy {
  /** Hosts a webhook may point at; absent: any host. */
  readonly allowedHosts?: readonly string[];
}

/** Why `url` may not be a webhook URL under `policy`, or undefined when it may. */
export function webhookUrlProblem(url: string, policy: WebhookUrlPolicy = {}): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "not an absolute URL";
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    return `the scheme must be http or https, not ${parsed.protocol.replace(/:$/, "")}`;
  }
  if (parsed.username !== "" || parsed.password !== "") {
    return "credentials in the URL are not accepted (they would be shown with it); put a token in the path or query";
  }
  if (parsed.hash !== "") return "a URL fragment is never sent; remove it";
  const hosts = policy.allowedHosts;
  if (hosts && !hosts.some((pattern) => hostMatches(parsed.hostname.toLowerCase(), pattern.toLowerCase()))) {
    return `the host ${parsed.hostname} is not among the allowed webhook hosts (${hosts.join(", ")})`;
  }
  return undefined;
}

function hostMatches(host: string, pattern: string): boolean {
  if (pattern.startsWith("*.")) return host.endsWith(pattern.slice(1));
  return host === pattern;
}
