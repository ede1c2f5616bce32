import type { SessionView } from "@vigil/server";
import { type FormEvent, useState } from "react";
import { api } from "../api/client.js";

/** Email and password; the server's message (wrong credentials, too many tries) is shown as is. */
export function SignInPage({ onSignedIn }: { onSignedIn: (view: SessionView) => void }) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(undefined);
    try {
      const view = await api("POST /api/v1/auth/login", {
        body: { email: String(form.get("email")), password: String(form.get("password")) },
      });
      onSignedIn(view);
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="sign-in">
      <h1>Vigil</h1>
      <p className="muted">Sign in to see what runs in your clusters and what it is exposed to.</p>
      <form onSubmit={submit} aria-label="Sign in">
        <label>
          Email
          <input name="email" type="email" autoComplete="username" required />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        {error ? (
          <p className="error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
      <p className="muted small">
        No account yet? The first owner is created on the server with <code>vigil admin create-owner</code>.
      </p>
    </main>
  );
}
