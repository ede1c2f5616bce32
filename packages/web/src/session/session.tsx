import type { SessionView } from "@vigil/server";
import { type Role, roleAtLeast } from "@vigil/server/browser";
import { createContext, type ReactNode, useCallback, useContext, useEffect, useState } from "react";
import { ApiRequestError, api, setCsrfToken } from "../api/client.js";

/** The signed-in user, and how to sign in and out. */
export interface Session {
  readonly user: SessionView["user"];
  /** Whether the user's role is at least `role` (the UI hides what the server would refuse). */
  can(role: Role): boolean;
  signOut(): Promise<void>;
}

const SessionContext = createContext<Session | undefined>(undefined);

/** The session of the page; only used below {@link SessionGate}, which signs in first. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside a signed-in page");
  return session;
}

type GateState =
  | { readonly kind: "checking" }
  | { readonly kind: "signed-out"; readonly message?: string }
  | { readonly kind: "signed-in"; readonly view: SessionView }
  | { readonly kind: "unreachable"; readonly message: string };

/**
 * Asks the server who is signed in; shows the sign-in form until someone is, then `children`
 * with the session. A session that expires answers 401 on the next call: the page reloads
 * into the sign-in form.
 */
export function SessionGate(props: {
  children: ReactNode;
  signIn: (done: (view: SessionView) => void) => ReactNode;
}) {
  const [state, setState] = useState<GateState>({ kind: "checking" });
  useEffect(() => {
    api("GET /api/v1/auth/session").then(
      (view) => {
        setCsrfToken(view.csrfToken);
        setState({ kind: "signed-in", view });
      },
      (error: unknown) => {
        if (error instanceof ApiRequestError && error.status === 401) setState({ kind: "signed-out" });
        else
          setState({ kind: "unreachable", message: error instanceof Error ? error.message : String(error) });
      },
    );
  }, []);
  const signOut = useCallback(async () => {
    try {
      await api("POST /api/v1/auth/logout");
    } finally {
      setCsrfToken(undefined);
      setState({ kind: "signed-out", message: "You are signed out." });
    }
  }, []);
  if (state.kind === "checking") return <p className="page-status">Loading…</p>;
  if (state.kind === "unreachable") {
    return (
      <p className="page-status" role="alert">
        Vigil's server cannot be reached: {state.message}
      </p>
    );
  }
  if (state.kind === "signed-out") {
    return (
      <>
        {state.message ? <p className="notice">{state.message}</p> : null}
        {props.signIn((view) => {
          setCsrfToken(view.csrfToken);
          setState({ kind: "signed-in", view });
        })}
      </>
    );
  }
  const session: Session = {
    user: state.view.user,
    can: (role) => roleAtLeast(state.view.user.role, role),
    signOut,
  };
  return <SessionContext.Provider value={session}>{props.children}</SessionContext.Provider>;
}
