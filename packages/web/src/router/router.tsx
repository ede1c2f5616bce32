import { type AnchorHTMLAttributes, type MouseEvent, useEffect, useSyncExternalStore } from "react";

/**
 * A small history router: the page is a function of `location.pathname` and its query, so a
 * view (report filters, tab, page) is a URL that can be shared. No library: the UI has a
 * handful of routes, and every byte of the first load counts.
 */

const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener("popstate", listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener("popstate", listener);
  };
}

function snapshot(): string {
  return window.location.pathname + window.location.search;
}

/** Goes to `to` (path and query); `replace` swaps the history entry (a filter being typed). */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === snapshot()) return;
  if (options.replace) window.history.replaceState(null, "", to);
  else window.history.pushState(null, "", to);
  for (const listener of listeners) listener();
}

/** The current location: path and query parameters. */
export interface Location {
  readonly path: string;
  readonly query: URLSearchParams;
}

/** The current location; re-renders on every navigation. */
export function useLocation(): Location {
  const url = useSyncExternalStore(subscribe, snapshot);
  const at = url.indexOf("?");
  return {
    path: at === -1 ? url : url.slice(0, at),
    query: new URLSearchParams(at === -1 ? "" : url.slice(at)),
  };
}

/** `pattern` like `/clusters/:id` against `path`: the parameters, or undefined. */
export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split("/");
  const have = path.replace(/\/+$/, "").split("/");
  if (want.length !== have.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const part = want[i]!;
    if (part.startsWith(":")) params[part.slice(1)] = decodeURIComponent(have[i]!);
    else if (part !== have[i]) return undefined;
  }
  return params;
}

/** An `<a>` that navigates without reloading (and behaves as a link for new tabs, copy ...). */
export function Link(props: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const { onClick, href, ...rest } = props;
  const follow = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(href);
  };
  return <a href={href} {...rest} onClick={follow} />;
}

/** Replaces the location once rendered (an old URL, or the default tab). */
export function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}
