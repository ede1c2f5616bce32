import type { PolicyIssue } from "@vigil/server";
import { type FormEvent, useEffect, useState } from "react";
import { ApiRequestError, api } from "../api/client.js";
import { useApi } from "../api/use-api.js";
import { ErrorBanner } from "../components/error-banner.js";
import { SEVERITIES_DESCENDING } from "../components/severity.js";
import { TimeText } from "../components/time-text.js";
import { Link, navigate } from "../router/router.js";
import { NEW_POLICY, type PolicyFormFields, policyYamlOf } from "./policy-yaml.js";

/**
 * A policy written as YAML (the server's located validation messages beside it), or filled in
 * with a form that writes the YAML. New when `id` is absent.
 */
export function PolicyEditorPage({ id }: { id?: string }) {
  const stored = useApi(
    (signal) =>
      id ? api("GET /api/v1/policies/:id", { params: { id }, signal }) : Promise.resolve(undefined),
    [id],
  );
  const [yaml, setYaml] = useState(id ? "" : policyYamlOf(NEW_POLICY));
  const [fields, setFields] = useState<PolicyFormFields>(NEW_POLICY);
  const [issues, setIssues] = useState<{ errors: readonly PolicyIssue[]; warnings: readonly PolicyIssue[] }>({
    errors: [],
    warnings: [],
  });
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (stored.data) setYaml(stored.data.yaml);
  }, [stored.data]);
  // a schedule names its clusters: the form starts with every connected one
  const clusters = useApi((signal) => api("GET /api/v1/clusters", { signal }), []);
  useEffect(() => {
    const ids = clusters.data?.items.map((c) => c.id) ?? [];
    if (ids.length > 0) setFields((f) => (f.clusters === "" ? { ...f, clusters: ids.join(", ") } : f));
  }, [clusters.data]);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const saved = id
        ? await api("PUT /api/v1/policies/:id", {
            params: { id },
            body: yaml,
            contentType: "application/yaml",
          })
        : await api("POST /api/v1/policies", { body: yaml, contentType: "application/yaml" });
      setIssues({ errors: [], warnings: saved.warnings ?? [] });
      navigate("/policies");
    } catch (caught) {
      const details =
        caught instanceof ApiRequestError
          ? (caught.details as Partial<typeof issues> | undefined)
          : undefined;
      setIssues({ errors: details?.errors ?? [], warnings: details?.warnings ?? [] });
      setError(caught instanceof Error ? caught : new Error(String(caught)));
    } finally {
      setBusy(false);
    }
  };
  const remove = async () => {
    if (!id || !window.confirm("Delete this policy? The scans it started stay.")) return;
    try {
      await api("DELETE /api/v1/policies/:id", { params: { id } });
      navigate("/policies");
    } catch (caught) {
      setError(caught instanceof Error ? caught : new Error(String(caught)));
    }
  };
  const field = (name: keyof PolicyFormFields, label: string, placeholder?: string) => (
    <label>
      {label}
      <input
        value={fields[name]}
        placeholder={placeholder}
        onChange={(e) => setFields({ ...fields, [name]: e.target.value })}
      />
    </label>
  );
  return (
    <>
      <p className="breadcrumbs">
        <Link href="/policies">Policies</Link> › {id ? (stored.data?.name ?? id) : "New policy"}
      </p>
      <h1>{id ? `Edit ${stored.data?.name ?? "policy"}` : "New scan execution policy"}</h1>
      <ErrorBanner error={stored.error} />
      {stored.data ? (
        <p className="muted">
          {stored.data.enabled ? (
            <>
              Runs next <TimeText at={stored.data.nextRunAt} withTime />
            </>
          ) : (
            "Disabled"
          )}
          {stored.data.lastRunAt ? (
            <>
              ; last ran <TimeText at={stored.data.lastRunAt} withTime />
            </>
          ) : null}
        </p>
      ) : null}
      <div className="columns">
        <form onSubmit={save} aria-label="Policy YAML" className="policy-yaml">
          <label>
            Policy (YAML)
            <textarea
              className="code"
              rows={18}
              spellCheck={false}
              value={yaml}
              onChange={(e) => setYaml(e.target.value)}
              aria-describedby="policy-issues"
            />
          </label>
          <div id="policy-issues" aria-live="polite">
            <ErrorBanner error={error} />
            {issues.errors.length + issues.warnings.length > 0 ? (
              <ul className="issues" data-testid="policy-issues">
                {[...issues.errors, ...issues.warnings].map((issue) => (
                  <li
                    key={`${issue.severity}:${issue.line}:${issue.column}:${issue.code}`}
                    className={issue.severity}
                  >
                    Line {issue.line}, column {issue.column}
                    {issue.path ? ` (${issue.path})` : ""}: {issue.reason}
                  </li>
                ))}
              </ul>
            ) : null}
          </div>
          <div className="actions">
            <button type="submit" className="primary" disabled={busy}>
              {busy ? "Saving…" : id ? "Save policy" : "Create policy"}
            </button>
            {id ? (
              <button type="button" className="danger" onClick={() => void remove()}>
                Delete
              </button>
            ) : null}
          </div>
        </form>
        <form
          className="policy-form"
          aria-label="Policy form"
          onSubmit={(e) => {
            e.preventDefault();
            setYaml(policyYamlOf(fields));
          }}
        >
          <h2>Or fill in a form</h2>
          {field("name", "Name")}
          {field("description", "Description")}
          {field("cadence", "Cadence (cron)", "0 2 * * *")}
          {field("timezone", "Time zone", "UTC")}
          {field("clusters", "Clusters (comma-separated ids)", "prod-eu, staging-us")}
          {field("namespaces", "Namespaces (comma-separated)", "all")}
          <label>
            Lowest severity reported
            <select
              value={fields.severityThreshold}
              onChange={(e) => setFields({ ...fields, severityThreshold: e.target.value })}
            >
              {SEVERITIES_DESCENDING.map((level) => (
                <option key={level} value={level}>
                  {level}
                </option>
              ))}
            </select>
          </label>
          <button type="submit">Write the YAML</button>
        </form>
      </div>
    </>
  );
}
