import type { ReactNode } from "react";

/**
 * A secret token just created: the server keeps only its hash, so this is the one time it can
 * be read. `children` says where it goes.
 */
export function ShownOnceToken(props: { name: string; token: string; testId: string; children?: ReactNode }) {
  return (
    <section className="notice" role="status" data-testid={props.testId}>
      <p>
        The token <strong>{props.name}</strong>. Copy it now: it is not shown again.
      </p>
      <code className="token">{props.token}</code>
      {props.children ? <p className="muted small">{props.children}</p> : null}
    </section>
  );
}
