import { api } from "../api/client.js";
import { useApi } from "../api/use-api.js";
import { ErrorBanner } from "../components/error-banner.js";
import { Tabs } from "../components/tabs.js";
import { Redirect } from "../router/router.js";
import { useSession } from "../session/session.js";
import { AgentTokensTab } from "./agent-tokens-tab.js";
import { ScansTab } from "./scans-tab.js";
import { SecurityTab } from "./security-tab.js";
import { WorkloadsTab } from "./workloads-tab.js";

const TABS = [
  { tab: "security", label: "Security", role: "developer" },
  { tab: "workloads", label: "Workloads", role: "developer" },
  { tab: "agents", label: "Agent / access tokens", role: "maintainer" },
  { tab: "scans", label: "Scans", role: "developer" },
] as const;

/** One cluster: its Security report, what runs in it, its agents' tokens, and its scans. */
export function ClusterPage({ id, tab }: { id: string; tab: string }) {
  const session = useSession();
  const cluster = useApi((signal) => api("GET /api/v1/clusters/:id", { params: { id }, signal }), [id]);
  const shown = TABS.filter((t) => session.can(t.role));
  if (!shown.some((t) => t.tab === tab))
    return <Redirect to={`/clusters/${encodeURIComponent(id)}/security`} />;
  const base = `/clusters/${encodeURIComponent(id)}`;
  return (
    <>
      <h1>{cluster.data?.name ?? id}</h1>
      <ErrorBanner error={cluster.error} />
      <Tabs
        label="Cluster"
        tabs={shown.map((t) => ({ href: `${base}/${t.tab}`, label: t.label, current: t.tab === tab }))}
      />
      {cluster.data ? (
        tab === "security" ? (
          <SecurityTab cluster={cluster.data} onScanStarted={cluster.reload} />
        ) : tab === "workloads" ? (
          <WorkloadsTab clusterId={id} />
        ) : tab === "agents" ? (
          <AgentTokensTab cluster={cluster.data} />
        ) : (
          <ScansTab cluster={cluster.data} onScanStarted={cluster.reload} />
        )
      ) : null}
    </>
  );
}
