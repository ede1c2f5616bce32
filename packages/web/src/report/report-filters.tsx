import {
  FINDING_STATES,
  type FindingState,
  OPEN_FINDING_STATES,
  type SeverityLevel,
} from "@vigil/core/browser";
import type { ClusterRecord } from "@vigil/server";
import { type FormEvent, useEffect, useState } from "react";
import { capitalized, SEVERITIES_DESCENDING } from "../components/severity.js";
import type { ReportView } from "./report-filter.js";

/**
 * The report's filters. Choices apply at once; the text fields (search, namespace, workload)
 * apply on Enter or when they lose focus, so typing does not send a request per key.
 * `clusters` absent: the page fixes the cluster (a cluster's Security tab).
 */
export function ReportFilters(props: {
  view: ReportView;
  reportType: "operational" | "development";
  clusters: readonly ClusterRecord[] | undefined;
  onChange: (view: ReportView, options?: { replace?: boolean }) => void;
}) {
  const { view, onChange } = props;
  const [q, setQ] = useState(view.q);
  const [namespace, setNamespace] = useState(view.namespace.join(", "));
  const [workload, setWorkload] = useState(view.workload);
  const [project, setProject] = useState(view.project);
  useEffect(() => setQ(view.q), [view.q]);
  const namespaces = view.namespace.join(", ");
  useEffect(() => setNamespace(namespaces), [namespaces]);
  useEffect(() => setWorkload(view.workload), [view.workload]);
  useEffect(() => setProject(view.project), [view.project]);

  const applyText = (event?: FormEvent) => {
    event?.preventDefault();
    const namespaces = namespace
      .split(",")
      .map((n) => n.trim())
      .filter((n) => n !== "");
    if (
      q.trim() === view.q &&
      namespaces.join(",") === view.namespace.join(",") &&
      workload.trim() === view.workload &&
      project.trim() === view.project
    ) {
      return;
    }
    onChange({
      ...view,
      q: q.trim(),
      namespace: namespaces,
      workload: workload.trim(),
      project: project.trim(),
    });
  };
  const states = view.state.length > 0 ? view.state : OPEN_FINDING_STATES;
  const toggle = <T extends string>(list: readonly T[], value: T): T[] =>
    list.includes(value) ? list.filter((v) => v !== value) : [...list, value];

  return (
    <form className="filters" onSubmit={applyText} aria-label="Filters">
      <label className="search">
        Search
        <input
          type="search"
          value={q}
          placeholder="CVE, GHSA or package"
          onChange={(e) => setQ(e.target.value)}
          onBlur={() => applyText()}
        />
      </label>
      {props.clusters ? (
        <label>
          Cluster
          <select
            value={view.cluster.length === 1 ? view.cluster[0] : ""}
            onChange={(e) => onChange({ ...view, cluster: e.target.value ? [e.target.value] : [] })}
          >
            <option value="">All clusters</option>
            {props.clusters.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      {props.reportType === "operational" ? (
        <>
          <label>
            Namespace
            <input
              value={namespace}
              placeholder="all"
              onChange={(e) => setNamespace(e.target.value)}
              onBlur={() => applyText()}
            />
          </label>
          <label>
            Workload
            <input
              value={workload}
              placeholder="all"
              onChange={(e) => setWorkload(e.target.value)}
              onBlur={() => applyText()}
            />
          </label>
        </>
      ) : (
        <label>
          Project
          <input
            value={project}
            placeholder="all"
            onChange={(e) => setProject(e.target.value)}
            onBlur={() => applyText()}
          />
        </label>
      )}
      <fieldset>
        <legend>Severity</legend>
        {SEVERITIES_DESCENDING.map((level) => (
          <label key={level} className="check">
            <input
              type="checkbox"
              checked={view.severity.includes(level)}
              onChange={() => onChange({ ...view, severity: toggle<SeverityLevel>(view.severity, level) })}
            />
            {capitalized(level)}
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>Status</legend>
        {FINDING_STATES.map((state) => (
          <label key={state} className="check">
            <input
              type="checkbox"
              checked={states.includes(state)}
              onChange={() => {
                const next = toggle<FindingState>(states, state);
                const isDefault =
                  next.length === OPEN_FINDING_STATES.length &&
                  OPEN_FINDING_STATES.every((s) => next.includes(s));
                onChange({ ...view, state: isDefault ? [] : next });
              }}
            />
            {capitalized(state)}
          </label>
        ))}
      </fieldset>
      <label>
        Fix
        <select
          value={view.fixable === undefined ? "" : String(view.fixable)}
          onChange={(e) => {
            const { fixable: _fixable, ...rest } = view;
            onChange(e.target.value === "" ? rest : { ...rest, fixable: e.target.value === "true" });
          }}
        >
          <option value="">Any</option>
          <option value="true">Has a fixed version</option>
          <option value="false">No fix yet</option>
        </select>
      </label>
      <label className="check">
        <input
          type="checkbox"
          checked={view.kev}
          onChange={(e) => onChange({ ...view, kev: e.target.checked })}
        />
        Known exploited (KEV)
      </label>
      <button type="submit" className="visually-hidden">
        Apply
      </button>
    </form>
  );
}
