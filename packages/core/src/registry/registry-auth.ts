import type { RegistryCredentials } from "./docker-config.js";
import { ImageSourceAbortedError, RegistryAuthError, RegistryConnectionError } from "./errors.js";
import { type HttpClient, type HttpRequest, type HttpResponse, headerValue } from "./http-client.js";
import { abandonBody, readBodyText } from "./read-body.js";
import {
  backoffDelay,
  isRetryableNetworkError,
  isRetryableStatus,
  parseRetryAfter,
  type RetryPolicy,
} from "./retry-policy.js";
import type { AuthChallenge } from "./www-authenticate.js";

/**
 * Registry authentication as the distribution token spec describes it
 * (https://distribution.github.io/distribution/spec/auth/token/): try anonymously; on a 401
 * read the `WWW-Authenticate` challenge; for `Bearer`, get a token from the realm with
 * `service` and `scope` (sending Basic credentials when there are any, or exchanging an
 * `identitytoken` with the OAuth2 refresh-token grant,
 * https://distribution.github.io/distribution/spec/auth/oauth/); for `Basic`, send the
 * credentials on every request. Tokens are cached per scope until shortly before they expire.
 */

/** Options of {@link RegistryAuth}. */
export interface RegistryAuthOptions {
  /** Registry name, for messages (`docker.io`, `127.0.0.1:5001`). */
  readonly registry: string;
  readonly httpClient: HttpClient;
  readonly credentials?: RegistryCredentials;
  /** Where the credentials came from, for messages (`/home/u/.docker/config.json`). */
  readonly credentialsSource?: string;
  /** Extra advice for an auth failure without credentials (e.g. "a credential helper is configured"). */
  readonly missingCredentialsHint?: string;
  readonly retry: RetryPolicy;
}

interface CachedToken {
  readonly token: string;
  readonly expiresAt: number;
}

/** The scope to pull from a repository. */
export function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

/** Holds the auth state of one registry: the scheme it asked for, tokens per scope. */
export class RegistryAuth {
  private readonly tokens = new Map<string, CachedToken>();
  private basic = false;
  private bearerChallenge: AuthChallenge | undefined;

  constructor(private readonly options: RegistryAuthOptions) {}

  private basicHeader(): string | undefined {
    const { username, password } = this.options.credentials ?? {};
    if (username === undefined || password === undefined) return undefined;
    return `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
  }

  /** The Authorization header to send for `scope` now, if any. */
  authorization(scope: string): string | undefined {
    if (this.basic) return this.basicHeader();
    const cached = this.tokens.get(scope);
    if (cached && cached.expiresAt > this.options.retry.now()) return `Bearer ${cached.token}`;
    return undefined;
  }

  /** True when a token for `scope` can be fetched without waiting for a 401 (the realm is known). */
  canPrefetch(scope: string): boolean {
    return !this.basic && this.bearerChallenge !== undefined && !this.tokens.has(scope);
  }

  /** Fetch a token for `scope` with the last known Bearer challenge (avoids a 401 round trip per repository). */
  async prefetch(scope: string, signal?: AbortSignal): Promise<void> {
    if (this.bearerChallenge) await this.fetchToken(this.bearerChallenge, scope, signal);
  }

  /** Who is authenticating, for messages: `user "bob" from /path/config.json`, or `no credentials`. */
  credentialsText(): string {
    const { credentials, credentialsSource } = this.options;
    if (!credentials) return "no credentials";
    const who = credentials.username ? `user "${credentials.username}"` : "an identity token";
    return `${who}${credentialsSource ? ` from ${credentialsSource}` : ""}`;
  }

  private noCredentialsAdvice(): string {
    return (
      `Log in (docker login ${this.options.registry}) or pass a registry config file with credentials for it` +
      `${this.options.missingCredentialsHint ? `; ${this.options.missingCredentialsHint}` : ""}.`
    );
  }

  /**
   * React to a 401 from `url`: set up Basic auth or fetch a Bearer token for `scope`.
   * `hadAuthorization` says whether the failing request already carried credentials; then
   * they were rejected and this throws {@link RegistryAuthError}.
   */
  async handleChallenge(
    challenges: readonly AuthChallenge[],
    scope: string,
    url: string,
    hadAuthorization: boolean,
    signal?: AbortSignal,
  ): Promise<void> {
    const bearer = challenges.find((c) => c.scheme === "bearer" && c.params.realm);
    const basic = challenges.find((c) => c.scheme === "basic");
    const { registry } = this.options;
    if (bearer) {
      if (hadAuthorization && !this.basic && bearer.params.error !== "invalid_token") {
        throw new RegistryAuthError(
          401,
          url,
          `Registry ${registry} refused the token for ${scope} (${bearer.params.error ?? "unauthorized"}) with ` +
            `${this.credentialsText()}. ${
              this.options.credentials
                ? "Check that these credentials may pull this repository."
                : `The repository does not exist or is private: ${this.noCredentialsAdvice()}`
            }`,
        );
      }
      this.basic = false;
      this.bearerChallenge = bearer;
      this.tokens.delete(scope);
      await this.fetchToken(bearer, scope, signal);
      return;
    }
    if (basic) {
      if (!this.basicHeader()) {
        throw new RegistryAuthError(
          401,
          url,
          `Registry ${registry} requires a username and password (Basic auth) and ${this.credentialsText()} ` +
            `${this.options.credentials ? "has none usable" : "were found"}. ${this.noCredentialsAdvice()}`,
        );
      }
      if (hadAuthorization && this.basic) {
        throw new RegistryAuthError(
          401,
          url,
          `Registry ${registry} rejected ${this.credentialsText()} (Basic auth). Check the username and password.`,
        );
      }
      this.basic = true;
      return;
    }
    throw new RegistryAuthError(
      401,
      url,
      `Registry ${registry} answered 401 without a usable challenge (WWW-Authenticate: ${
        challenges.map((c) => c.scheme).join(", ") || "none"
      }); Vigil supports Basic and Bearer token auth.`,
    );
  }

  private async fetchToken(challenge: AuthChallenge, scope: string, signal?: AbortSignal): Promise<void> {
    const { credentials, registry, retry } = this.options;
    if (credentials?.registryToken) {
      this.tokens.set(scope, { token: credentials.registryToken, expiresAt: Number.POSITIVE_INFINITY });
      return;
    }
    const realm = challenge.params.realm!;
    let realmUrl: URL;
    try {
      realmUrl = new URL(realm);
    } catch (error) {
      throw new RegistryAuthError(
        401,
        realm,
        `Registry ${registry} named an invalid token realm "${realm}".`,
        {
          cause: error,
        },
      );
    }
    const service = challenge.params.service;
    // The challenge's own scope (if any) is what the registry wants; ask for ours too.
    const scopes = [
      ...new Set([scope, ...(challenge.params.scope ? challenge.params.scope.split(" ") : [])]),
    ];
    const request = this.tokenRequest(realmUrl, service, scopes, signal);
    let response: HttpResponse | undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        response = await this.options.httpClient.request(request);
      } catch (error) {
        if (signal?.aborted)
          throw new ImageSourceAbortedError(`the token service ${realmUrl.origin}`, { cause: error });
        if (attempt < retry.maxAttempts && isRetryableNetworkError(error)) {
          await retry.sleep(backoffDelay(attempt, retry), signal);
          continue;
        }
        throw new RegistryConnectionError(
          realmUrl.href,
          `Cannot reach the token service ${realmUrl.origin} of registry ${registry}: ${(error as Error).message}.`,
          { cause: error },
        );
      }
      if (isRetryableStatus(response.status) && attempt < retry.maxAttempts) {
        abandonBody(response.body);
        const after = parseRetryAfter(headerValue(response.headers, "retry-after"), retry.now());
        await retry.sleep(Math.min(after ?? backoffDelay(attempt, retry), retry.maxRetryAfterMs), signal);
        continue;
      }
      break;
    }
    const text = await readBodyText(response.body, 1024 * 1024, `token response of ${realmUrl.origin}`);
    if (response.status === 401 || response.status === 403) {
      throw new RegistryAuthError(
        response.status,
        realmUrl.href,
        `The token service ${realmUrl.origin} of registry ${registry} rejected ${this.credentialsText()} ` +
          `(HTTP ${response.status}). ${credentials ? "Check the username and password." : this.noCredentialsAdvice()}`,
      );
    }
    if (response.status < 200 || response.status > 299) {
      throw new RegistryAuthError(
        response.status,
        realmUrl.href,
        `The token service ${realmUrl.origin} of registry ${registry} answered HTTP ${response.status}; try again later.`,
      );
    }
    let token: string | undefined;
    let expiresIn = 60;
    try {
      const json = JSON.parse(text) as Record<string, unknown>;
      token =
        typeof json.token === "string"
          ? json.token
          : typeof json.access_token === "string"
            ? json.access_token
            : undefined;
      if (typeof json.expires_in === "number" && json.expires_in > 0) expiresIn = json.expires_in;
    } catch (error) {
      throw new RegistryAuthError(
        response.status,
        realmUrl.href,
        `The token service ${realmUrl.origin} of registry ${registry} sent a response that is not JSON.`,
        { cause: error },
      );
    }
    if (!token) {
      throw new RegistryAuthError(
        response.status,
        realmUrl.href,
        `The token service ${realmUrl.origin} of registry ${registry} sent no token.`,
      );
    }
    // Renew a little early so a token does not expire between check and use.
    const margin = Math.min(10, expiresIn / 4);
    this.tokens.set(scope, { token, expiresAt: retry.now() + (expiresIn - margin) * 1000 });
  }

  private tokenRequest(
    realm: URL,
    service: string | undefined,
    scopes: string[],
    signal?: AbortSignal,
  ): HttpRequest {
    const { credentials } = this.options;
    if (credentials?.identityToken) {
      const form = new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: credentials.identityToken,
        client_id: "vigil",
        ...(service ? { service } : {}),
        scope: scopes.join(" "),
      });
      return {
        url: realm.href,
        method: "POST" as const,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: form.toString(),
        ...(signal ? { signal } : {}),
      };
    }
    const url = new URL(realm.href);
    if (service) url.searchParams.set("service", service);
    for (const s of scopes) url.searchParams.append("scope", s);
    const basic = this.basicHeader();
    return {
      url: url.href,
      method: "GET" as const,
      headers: basic ? { authorization: basic } : {},
      ...(signal ? { signal } : {}),
    };
  }
}
