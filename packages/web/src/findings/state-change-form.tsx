import { DISMISSAL_REASONS, type DismissalReason, type FindingState } from "@vigil/core/browser";
import type { StateChangeBody } from "@vigil/server";
import { type FormEvent, useState } from "react";
import { reasonLabel } from "../components/state-badge.js";

/** What a person may change a finding to, with the words the report uses. */
const STATE_ACTIONS: readonly { state: FindingState; label: string }[] = [
  { state: "confirmed", label: "Confirm" },
  { state: "dismissed", label: "Dismiss" },
  { state: "resolved", label: "Resolve" },
  { state: "detected", label: "Reopen (needs triage)" },
];

/**
 * A state change: the new state, a reason (required to dismiss) and a comment. The server
 * checks the same rules; this form only saves a round trip.
 */
export function StateChangeForm(props: {
  submitLabel: string;
  initialState?: FindingState;
  onSubmit: (change: StateChangeBody) => Promise<void>;
  onCancel?: () => void;
}) {
  const [state, setState] = useState<FindingState>(props.initialState ?? "dismissed");
  const [reason, setReason] = useState<DismissalReason | "">("");
  const [comment, setComment] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (state === "dismissed" && reason === "") {
      setError("Choose why the finding is dismissed.");
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await props.onSubmit({
        state,
        ...(state === "dismissed" && reason !== "" ? { reason } : {}),
        ...(comment.trim() !== "" ? { comment: comment.trim() } : {}),
      });
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="state-change" onSubmit={submit} aria-label="Change status">
      <label>
        New status
        <select value={state} onChange={(e) => setState(e.target.value as FindingState)}>
          {STATE_ACTIONS.map((a) => (
            <option key={a.state} value={a.state}>
              {a.label}
            </option>
          ))}
        </select>
      </label>
      {state === "dismissed" ? (
        <label>
          Reason
          <select value={reason} required onChange={(e) => setReason(e.target.value as DismissalReason)}>
            <option value="">Choose a reason…</option>
            {DISMISSAL_REASONS.map((r) => (
              <option key={r} value={r}>
                {reasonLabel(r)}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      <label className="wide">
        Comment
        <textarea value={comment} rows={2} onChange={(e) => setComment(e.target.value)} />
      </label>
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Saving…" : props.submitLabel}
        </button>
        {props.onCancel ? (
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}
