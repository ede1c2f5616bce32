import type { FindingView } from "@vigil/server";
import { useEffect, useState } from "react";
import { api } from "../api/client.js";
import { useApi } from "../api/use-api.js";
import { ErrorBanner } from "../components/error-banner.js";
import { SeverityBadge } from "../components/severity.js";
import { StateBadge } from "../components/state-badge.js";
import { TimeText } from "../components/time-text.js";
import { Link } from "../router/router.js";
import { useSession } from "../session/session.js";
import { identifierUrl } from "./advisory-links.js";
import { FindingHistory } from "./finding-history.js";
import { MatchExplanation } from "./match-explanation.js";
import { SameImageWorkloads } from "./same-image-workloads.js";
import { StateChangeForm } from "./state-change-form.js";

/**
 * One finding: what it is (description, identifiers, CVSS, KEV/EPSS), where it was found,
 * why it matched, what else runs the same image, its history, and the triage actions.
 * Advisory text is shown as text, never as HTML.
 */
export function FindingPage({ id }: { id: string }) {
  const session = useSession();
  const loaded = useApi((signal) => api("GET /api/v1/findings/:id", { params: { id }, signal }), [id]);
  const [finding, setFinding] = useState<FindingView>();
  useEffect(() => setFinding(loaded.data), [loaded.data]);
  if (loaded.error) return <ErrorBanner error={loaded.error} />;
  if (!finding) return <p className="page-status">Loading…</p>;
  const { identity, details, match } = finding;
  const operational = finding.reportType === "operational";
  const ids = [identity.advisoryId, ...details.aliases.filter((a) => a !== identity.advisoryId)];
  return (
    <article className="finding">
      <p className="breadcrumbs">
        <Link href={`/report/${finding.reportType}`}>Vulnerability report</Link> ›{" "}
        {operational ? (
          <Link href={`/clusters/${encodeURIComponent(identity.clusterId)}/security`}>
            {identity.clusterId}
          </Link>
        ) : (
          finding.project
        )}
      </p>
      <h1>
        {identity.advisoryId} <span className="muted">in {identity.packageName}</span>
      </h1>
      <p className="badges">
        <SeverityBadge level={details.severity.level} /> <StateBadge state={finding.state} />
        {finding.kev ? <span className="badge kev">Known exploited (KEV)</span> : null}
        {finding.noLongerDetected ? <span className="badge muted">No longer detected</span> : null}
      </p>
      {match?.summary ? <p className="summary-text">{match.summary}</p> : null}
      {session.can("developer") ? (
        <section aria-labelledby="triage">
          <h2 id="triage">Triage</h2>
          <StateChangeForm
            key={finding.rowVersion}
            submitLabel="Save status"
            initialState={
              finding.state === "detected"
                ? "confirmed"
                : finding.state === "confirmed"
                  ? "dismissed"
                  : "detected"
            }
            onSubmit={async (change) => {
              setFinding(await api("POST /api/v1/findings/:id/state", { params: { id }, body: change }));
            }}
          />
        </section>
      ) : null}
      <div className="columns">
        <section aria-labelledby="about">
          <h2 id="about">Vulnerability</h2>
          {match?.description ? <p className="advisory-text">{match.description}</p> : null}
          <dl>
            <dt>Identifiers</dt>
            <dd>
              <ul className="inline-list">
                {ids.map((alias) => (
                  <li key={alias}>
                    <a href={identifierUrl(alias)} target="_blank" rel="noopener noreferrer">
                      {alias}
                    </a>
                  </li>
                ))}
              </ul>
            </dd>
            <dt>Severity</dt>
            <dd>
              {details.severity.level}
              {details.severity.score !== undefined ? ` · CVSS ${details.severity.score.toFixed(1)}` : ""}
              <span className="muted">
                {" "}
                (from {details.severity.source}
                {details.severity.raw ? `: ${details.severity.raw}` : ""})
              </span>
              {details.severity.vector ? (
                <div>
                  <code className="vector">{details.severity.vector}</code>
                </div>
              ) : null}
            </dd>
            <dt>Exploitation</dt>
            <dd>
              {finding.kev ? (
                <>
                  In CISA's Known Exploited Vulnerabilities catalog
                  {match?.kev?.dateAdded ? ` since ${match.kev.dateAdded}` : ""}
                  {match?.kev?.dueDate ? `, due ${match.kev.dueDate}` : ""}.
                </>
              ) : (
                "Not in CISA's KEV catalog."
              )}
              {finding.epss !== undefined ? ` EPSS ${(finding.epss * 100).toFixed(2)} %` : ""}
              {match?.epss
                ? ` (percentile ${(match.epss.percentile * 100).toFixed(0)}, ${match.epss.date})`
                : ""}
            </dd>
          </dl>
          <MatchExplanation finding={finding} />
        </section>
        <section aria-labelledby="where">
          <h2 id="where">Where</h2>
          <dl>
            {operational ? (
              <>
                <dt>Cluster</dt>
                <dd>{identity.clusterId}</dd>
                <dt>Namespace</dt>
                <dd>{identity.namespace}</dd>
                <dt>Workload</dt>
                <dd>
                  {identity.workloadKind}/{identity.workloadName}
                </dd>
                <dt>Container</dt>
                <dd>{identity.containerName}</dd>
              </>
            ) : (
              <>
                <dt>Project</dt>
                <dd>{finding.project}</dd>
                <dt>Branch</dt>
                <dd>{finding.branch}</dd>
              </>
            )}
            <dt>Image</dt>
            <dd className="break">{details.image}</dd>
            <dt>Image digest</dt>
            <dd className="break">
              <code>{details.imageDigest}</code>
            </dd>
            <dt>Layer</dt>
            <dd className="break">
              <code>{details.layerDigest || "—"}</code>
            </dd>
            <dt>File</dt>
            <dd className="break">
              <code>{details.path || "—"}</code>
            </dd>
            <dt>Package</dt>
            <dd className="break">
              {identity.packageName} {details.packageVersion}
              {details.fixedVersion ? ` → fixed in ${details.fixedVersion}` : " (no fixed version yet)"}
              <div className="muted small">
                <code>{details.purl}</code>
              </div>
            </dd>
            <dt>Detected</dt>
            <dd>
              <TimeText at={finding.firstSeen} withTime />, last seen{" "}
              <TimeText at={finding.lastSeen} withTime />
            </dd>
            {operational ? (
              <>
                <dt>Running since</dt>
                <dd>
                  <TimeText at={finding.runningSince} withTime />
                </dd>
              </>
            ) : null}
          </dl>
        </section>
      </div>
      {operational ? <SameImageWorkloads finding={finding} /> : null}
      <FindingHistory history={finding.history} />
    </article>
  );
}
