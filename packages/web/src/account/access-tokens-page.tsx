import { type FormEvent, useState } from "react";
import { api } from "../api/client.js";
import { useApi } from "../api/use-api.js";
import { EmptyState } from "../components/empty-state.js";
import { ErrorBanner } from "../components/error-banner.js";
import { ShownOnceToken } from "../components/shown-once-token.js";
import { TimeText } from "../components/time-text.js";
import { useSession } from "../session/session.js";

/**
 * The signed-in user's API tokens, for scripts and CI (`Authorization: Bearer vigil_pat_…`): a
 * token acts with its user's role, is shown once when created (the server keeps a hash), and
 * can be revoked.
 */
export function AccessTokensPage() {
  const session = useSession();
  const tokens = useApi((signal) => api("GET /api/v1/users/me/tokens", { signal }), []);
  const [created, setCreated] = useState<{ name: string; token: string }>();
  const [error, setError] = useState<Error>();
  const create = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    try {
      const answer = await api("POST /api/v1/users/me/tokens", {
        body: { name: String(new FormData(form).get("name")) },
      });
      setCreated({ name: answer.name, token: answer.token });
      setError(undefined);
      form.reset();
      tokens.reload();
    } catch (caught) {
      setError(caught instanceof Error ? caught : new Error(String(caught)));
    }
  };
  const revoke = async (id: string) => {
    try {
      await api("DELETE /api/v1/users/me/tokens/:id", { params: { id } });
      tokens.reload();
    } catch (caught) {
      setError(caught instanceof Error ? caught : new Error(String(caught)));
    }
  };
  const items = tokens.data?.items ?? [];
  return (
    <>
      <h1>Your API tokens</h1>
      <p className="muted">
        A token acts as you ({session.user.role}) for scripts and CI jobs: send it as{" "}
        <code>Authorization: Bearer vigil_pat_…</code>.
      </p>
      <ErrorBanner error={error ?? tokens.error} />
      {created ? <ShownOnceToken name={created.name} token={created.token} testId="new-api-token" /> : null}
      <form className="inline-form" onSubmit={create} aria-label="Create an API token">
        <label>
          Token name
          <input name="name" required placeholder="what it is for" />
        </label>
        <button type="submit" className="primary">
          Create token
        </button>
      </form>
      {tokens.data && items.length === 0 ? (
        <EmptyState title="No API tokens yet" />
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Token</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {items.map((t) => (
                <tr key={t.id}>
                  <td>{t.name}</td>
                  <td>
                    <TimeText at={t.createdAt} />
                  </td>
                  <td>
                    <TimeText at={t.lastUsedAt} withTime />
                  </td>
                  <td>
                    {t.revokedAt ? (
                      <span className="muted">
                        Revoked <TimeText at={t.revokedAt} />
                      </span>
                    ) : (
                      <button type="button" className="danger" onClick={() => void revoke(t.id)}>
                        Revoke {t.name}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
