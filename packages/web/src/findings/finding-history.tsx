import type { FindingView } from "@vigil/server";
import { reasonLabel } from "../components/state-badge.js";
import { TimeText } from "../components/time-text.js";
import { useSession } from "../session/session.js";

/** Every change of the finding's state, oldest first: when, who (a person or a scan), and why. */
export function FindingHistory({ history }: { history: FindingView["history"] }) {
  const { user } = useSession();
  const actor = (entry: FindingView["history"][number]) =>
    entry.actor.type !== "user"
      ? "a scan"
      : entry.actor.id === user.id
        ? `you (${user.email})`
        : `user ${entry.actor.id}`;
  return (
    <section aria-labelledby="history">
      <h2 id="history">History</h2>
      <ol className="history" data-testid="history">
        {history.map((entry) => (
          <li key={entry.id}>
            <TimeText at={entry.at} withTime /> <strong>{actor(entry)}</strong>{" "}
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
