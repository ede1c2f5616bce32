import { useState } from "react";
import { api } from "../api/client.js";
import { StateChangeForm } from "../findings/state-change-form.js";

/** The selected findings' status changed at once: all of them, or none (the server's rule). */
export function BulkStateBar(props: { ids: readonly string[]; onDone: (outcome: string) => void }) {
  const [open, setOpen] = useState(false);
  return (
    <section className="bulk" aria-label="Selected findings">
      <span>{props.ids.length} selected</span>
      {open ? (
        <StateChangeForm
          submitLabel={`Change ${props.ids.length} findings`}
          onCancel={() => setOpen(false)}
          onSubmit={async (change) => {
            const answer = await api("POST /api/v1/findings/state", { body: { ...change, ids: props.ids } });
            setOpen(false);
            props.onDone(`${answer.changed.length} changed, ${answer.unchanged.length} already so`);
          }}
        />
      ) : (
        <button type="button" onClick={() => setOpen(true)}>
          Change status
        </button>
      )}
    </section>
  );
}
