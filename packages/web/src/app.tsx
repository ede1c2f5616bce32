import type { ReactElement } from "react";
import { AccessTokensPage } from "./account/access-tokens-page.js";
import { ClusterPage } from "./clusters/cluster-page.js";
import { ClustersPage } from "./clusters/clusters-page.js";
import { EmptyState } from "./components/empty-state.js";
import { FindingPage } from "./findings/finding-page.js";
import { PoliciesPage } from "./policies/policies-page.js";
import { PolicyEditorPage } from "./policies/policy-editor-page.js";
import { VulnerabilityReportPage } from "./report/vulnerability-report-page.js";
import { Link, matchPath, Redirect, useLocation } from "./router/router.js";
import { SessionGate, useSession } from "./session/session.js";
import { SignInPage } from "./session/sign-in-page.js";

/** The whole UI: sign in first, then the pages under one header. */
export function App() {
  return (
    <SessionGate signIn={(done) => <SignInPage onSignedIn={done} />}>
      <Layout />
    </SessionGate>
  );
}

/** The pages, by path, in the order they are tried. */
const PAGES: readonly { pattern: string; render: (params: Record<string, string>) => ReactElement }[] = [
  { pattern: "/", render: () => <Redirect to="/report/operational" /> },
  { pattern: "/report", render: () => <Redirect to="/report/operational" /> },
  { pattern: "/report/:tab", render: (p) => <VulnerabilityReportPage tab={p.tab!} /> },
  { pattern: "/findings/:id", render: (p) => <FindingPage id={p.id!} /> },
  { pattern: "/clusters", render: () => <ClustersPage /> },
  {
    pattern: "/clusters/:id",
    render: (p) => <Redirect to={`/clusters/${encodeURIComponent(p.id!)}/security`} />,
  },
  { pattern: "/clusters/:id/:tab", render: (p) => <ClusterPage id={p.id!} tab={p.tab!} /> },
  { pattern: "/policies", render: () => <PoliciesPage /> },
  { pattern: "/policies/new", render: () => <PolicyEditorPage /> },
  { pattern: "/policies/:id", render: (p) => <PolicyEditorPage id={p.id!} /> },
];

/** Pages every role may open (their own account). */
const ACCOUNT_PAGES: readonly { pattern: string; render: () => ReactElement }[] = [
  { pattern: "/account/tokens", render: () => <AccessTokensPage /> },
];

function Layout() {
  const session = useSession();
  const { path } = useLocation();
  const section = path.split("/")[1] ?? "";
  const nav = [
    { href: "/report/operational", label: "Vulnerability report", section: "report", role: "developer" },
    { href: "/clusters", label: "Clusters", section: "clusters", role: "developer" },
    { href: "/policies", label: "Policies", section: "policies", role: "developer" },
  ] as const;
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top-bar">
        <Link href="/" className="brand">
          Vigil
        </Link>
        <nav aria-label="Main">
          {nav
            .filter((item) => session.can(item.role))
            .map((item) => (
              <Link
                key={item.href}
                href={item.href}
                aria-current={section === item.section ? "page" : undefined}
              >
                {item.label}
              </Link>
            ))}
        </nav>
        <div className="user">
          <Link href="/account/tokens" aria-current={path === "/account/tokens" ? "page" : undefined}>
            API tokens
          </Link>
          <span title={session.user.email}>
            {session.user.name || session.user.email} <span className="muted">({session.user.role})</span>
          </span>
          <button type="button" onClick={() => void session.signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {ACCOUNT_PAGES.some((page) => matchPath(page.pattern, path)) ? (
          ACCOUNT_PAGES.find((page) => matchPath(page.pattern, path))!.render()
        ) : session.can("developer") ? (
          <Page path={path} />
        ) : (
          <EmptyState title="Nothing to show for your role">
            Vulnerability reports need the developer role or higher; you are a {session.user.role}. Ask an
            owner of this Vigil to change your role.
          </EmptyState>
        )}
      </main>
    </>
  );
}

function Page({ path }: { path: string }) {
  for (const page of PAGES) {
    const params = matchPath(page.pattern, path);
    if (params) return page.render(params);
  }
  return (
    <EmptyState
      title="No such page"
      action={<Link href="/report/operational">Go to the vulnerability report</Link>}
    >
      Nothing lives at <code>{path}</code>.
    </EmptyState>
  );
}
