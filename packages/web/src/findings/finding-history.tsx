import type { FindingView } from "@vigil/server";
import { reasonLabel } from "../components/state-badge.js";
import { TimeText } from "../components/time-text.js";

/** Every change of the finding's state, oldest first: when, who (a person or a scan), and why. */
export function FindingHistory({ history }: { history: FindingView["history"] }) {
  return (
    <section aria-labelledby="history">
      <h2 id="history">History</h2>
      <ol className="history" data-testid="history">
        {history.map((entry) => (
          <li key={entry.id}>
            <TimeText at={entry.at} withTime />{" "}
            <strong>{entry.actor.type === "user" ? `user ${entry.actor.id}` : "a scan"}</strong>{" "}
            {entry.from
              ? `changed the status from ${entry.from} to ${entry.to}`
              : `detected it (${entry.to})`}
            {entry.reason ? ` · ${reasonLabel(entry.reason)}` : ""}
            {entry.comment ? <blockquote>{entry.comment}</blockquote> : null}
          </li>
        ))}
      </ol>
    </section>
  );
}
