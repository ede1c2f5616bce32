import type { AgentPrincipal, BearerTokenAuthenticator } from "../http/principal.js";
import type { AgentRepository } from "../store/agent-repository.js";
import { hashAgentToken, isAgentToken, sameTokenHash } from "./agent-token.js";

/** Options of {@link createAgentTokenAuthenticator}. */
export interface AgentTokenAuthenticatorOptions {
  readonly agents: AgentRepository;
  /** Default the system clock. */
  readonly now?: () => Date;
  /** `last_seen_at` is written at most this often per agent; default 60 s. */
  readonly touchEveryMs?: number;
  /** Where a failure to record `last_seen_at` goes (it never fails the request). */
  readonly onTouchError?: (error: unknown) => void;
}

/**
 * Agent tokens (`vigil_agt_…`) as a bearer authenticator. Every request looks the token up in
 * the store, so a revoked token is refused from the next request on: nothing caches who a
 * token is. Tokens of other formats are not this authenticator's (`undefined`, the next one is
 * asked). `last_seen_at` is written at most once a minute per agent (a poll every few seconds
 * would otherwise write on every request); the write does not delay the answer.
 */
export function createAgentTokenAuthenticator(
  options: AgentTokenAuthenticatorOptions,
): BearerTokenAuthenticator {
  const now = options.now ?? (() => new Date());
  const touchEveryMs = options.touchEveryMs ?? 60_000;
  const lastTouched = new Map<string, number>();
  return {
    async authenticate(token) {
      if (!isAgentToken(token)) return undefined;
      const hash = hashAgentToken(token);
      const found = await options.agents.findActiveByTokenHash(hash);
      if (!found || !sameTokenHash(found.tokenHash, hash)) return undefined;
      const { agent } = found;
      const at = now();
      const previous = lastTouched.get(agent.id);
      if (previous === undefined || at.getTime() - previous >= touchEveryMs) {
        lastTouched.set(agent.id, at.getTime());
        void options.agents.touch(agent.id, at.toISOString()).catch((error: unknown) => {
          lastTouched.delete(agent.id);
          options.onTouchError?.(error);
        });
      }
      const principal: AgentPrincipal = { kind: "agent", agentId: agent.id, clusterId: agent.clusterId };
      return principal;
    },
  };
}
