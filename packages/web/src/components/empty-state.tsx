import type { ReactNode } from "react";

/** A page or panel with nothing to show yet: what that means and what to do about it. */
export function EmptyState(props: {
  title: string;
  children?: ReactNode;
  action?: ReactNode;
  testId?: string;
}) {
  return (
    <section className="empty-state" data-testid={props.testId}>
      <h2>{props.title}</h2>
      {props.children ? <div className="muted">{props.children}</div> : null}
      {props.action ? <div className="empty-action">{props.action}</div> : null}
    </section>
  );
}
