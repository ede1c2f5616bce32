import { useState } from "react";
import { api } from "../api/client.js";
import { useSession } from "../session/session.js";

/** Queues a scan of the whole cluster now (maintainers); says what the server answered. */
export function ScanNowButton({ clusterId, onStarted }: { clusterId: string; onStarted: () => void }) {
  const session = useSession();
  const [message, setMessage] = useState<string>();
  const [busy, setBusy] = useState(false);
  if (!session.can("maintainer")) return null;
  const start = async () => {
    setBusy(true);
    try {
      const scan = await api("POST /api/v1/scans", { body: { cluster: clusterId } });
      setMessage(`Scan ${scan.id} is ${scan.status}.`);
      onStarted();
    } catch (error) {
      setMessage(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <span className="scan-now">
      <button type="button" className="primary" onClick={start} disabled={busy}>
        {busy ? "Starting…" : "Scan now"}
      </button>
      {message ? (
        <span role="status" className="muted">
          {" "}
          {message}
        </span>
      ) : null}
    </span>
  );
}
