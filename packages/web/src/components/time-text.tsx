/** A time as a short date (UTC, so every reader of a shared view sees the same), with the exact time as tooltip. */
export function TimeText({ at, withTime = false }: { at: string | undefined; withTime?: boolean }) {
  if (!at) return <span className="muted">—</span>;
  const text = withTime ? `${at.slice(0, 10)} ${at.slice(11, 16)} UTC` : at.slice(0, 10);
  return (
    <time dateTime={at} title={at}>
      {text}
    </time>
  );
}

/** How long ago `at` was, in the largest whole unit: `3 days`, `5 h`, `12 min`. */
export function durationSince(at: string | undefined, now = Date.now()): string {
  if (!at) return "—";
  const minutes = Math.max(0, Math.floor((now - Date.parse(at)) / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.floor(hours / 24)} days`;
}
