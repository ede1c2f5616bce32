import type { ClusterView } from "@vigil/server";
import { type FormEvent, useState } from "react";
import { api } from "../api/client.js";
import { useApi } from "../api/use-api.js";
import { ErrorBanner } from "../components/error-banner.js";
import { ShownOnceToken } from "../components/shown-once-token.js";
import { TimeText } from "../components/time-text.js";

/**
 * The cluster's in-cluster agents and their tokens: register one (its token is shown this
 * once: the server keeps only a hash), see when each last called, revoke.
 */
export function AgentTokensTab({ cluster }: { cluster: ClusterView }) {
  const agents = useApi(
    (signal) => api("GET /api/v1/clusters/:id/agents", { params: { id: cluster.id }, signal }),
    [cluster.id],
  );
  const [created, setCreated] = useState<{ name: string; token: string }>();
  const [error, setError] = useState<Error>();
  if (cluster.connectionKind !== "agent") {
    return (
      <p className="muted" data-testid="kubeconfig-cluster">
        Vigil reaches this cluster through the kubeconfig context <code>{cluster.kubeconfigContext}</code>: it
        needs no agent. Agents report for clusters registered for them (a cluster Vigil cannot reach).
      </p>
    );
  }
  const create = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const namespaces = String(form.get("namespaces") ?? "")
      .split(",")
      .map((n) => n.trim())
      .filter((n) => n !== "");
    try {
      const answer = await api("POST /api/v1/clusters/:id/agents", {
        params: { id: cluster.id },
        body: {
          name: String(form.get("name")),
          mode: form.get("mode") === "discover" ? "discover" : "scan",
          namespaces,
        },
      });
      setCreated({ name: answer.agent.name, token: answer.token });
      setError(undefined);
      agents.reload();
    } catch (caught) {
      setError(caught instanceof Error ? caught : new Error(String(caught)));
    }
  };
  const revoke = async (id: string) => {
    try {
      await api("DELETE /api/v1/agents/:id", { params: { id } });
      agents.reload();
    } catch (caught) {
      setError(caught instanceof Error ? caught : new Error(String(caught)));
    }
  };
  return (
    <>
      <ErrorBanner error={error ?? agents.error} />
      {created ? (
        <ShownOnceToken name={created.name} token={created.token} testId="new-agent-token">
          Store it as a Secret in the cluster and start <code>vigil agent --server … --token-file …</code>{" "}
          (see <code>deploy/agent.yaml</code>).
        </ShownOnceToken>
      ) : null}
      <form className="inline-form" onSubmit={create} aria-label="Register an agent">
        <label>
          Agent name
          <input name="name" required />
        </label>
        <label>
          Mode
          <select name="mode" defaultValue="scan">
            <option value="scan">Scan in the cluster</option>
            <option value="discover">Discover only (the server pulls)</option>
          </select>
        </label>
        <label>
          Namespaces
          <input name="namespaces" placeholder="all" />
        </label>
        <button type="submit" className="primary">
          Create token
        </button>
      </form>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Agent</th>
              <th scope="col">Mode</th>
              <th scope="col">Created</th>
              <th scope="col">Last seen</th>
              <th scope="col">Token</th>
            </tr>
          </thead>
          <tbody>
            {(agents.data?.items ?? []).map((a) => (
              <tr key={a.id}>
                <td>{a.name}</td>
                <td>{a.mode}</td>
                <td>
                  <TimeText at={a.createdAt} />
                </td>
                <td>
                  <TimeText at={a.lastSeenAt} withTime />
                </td>
                <td>
                  {a.revokedAt ? (
                    <span className="muted">
                      Revoked <TimeText at={a.revokedAt} />
                    </span>
                  ) : (
                    <button type="button" className="danger" onClick={() => void revoke(a.id)}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
