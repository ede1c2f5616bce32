import { describe, expect, it } from "vitest";
import { DIALECTS } from "../../db/test-support/test-databases.js";
import { expectJson, useApiServer } from "./test-support/api-test-server.js";

interface PolicyResponse {
  id: string;
  name: string;
  enabled: boolean;
  cadence: string;
  timezone: string;
  clusters: string[];
  namespaces: string[];
  severityThreshold: string;
  yaml: string;
  nextRunAt?: string;
  policy: { rules: { cadence: string }[] };
  warnings?: { code: string; line: number }[];
}

interface PolicyError {
  error: {
    message: string;
    details: { errors: { code: string; line: number; column: number; path: string; reason: string }[] };
  };
}

// NOW is 2024-06-01T12:00Z, a Saturday; 02:30 in Berlin (CEST, UTC+2) is 00:30Z.
const NIGHTLY = `# nightly scans of production
name: nightly
description: every night
rules:
  - type: schedule
    cadence: '30 2 * * *'
    timezone: Europe/Berlin
    clusters: [prod-eu, prod-us]
    namespaces: [shop]
actions:
  - scan: cluster_image_scanning
    severity_threshold: high
`;

const yaml = (body: string) => ({
  method: "POST",
  body,
  headers: { "Content-Type": "application/yaml" },
});

describe.each(DIALECTS)("policy routes on %s", (dialect) => {
  const api = useApiServer(dialect);

  it("creates a policy from YAML with its next run, lists, reads, replaces and deletes it", async () => {
    const created = await api.request("/api/v1/policies", yaml(NIGHTLY));
    const policy = await expectJson<PolicyResponse>(created, 201);
    expect(created.headers.get("location")).toBe(`/api/v1/policies/${policy.id}`);
    expect(policy).toMatchObject({
      name: "nightly",
      enabled: true,
      cadence: "30 2 * * *",
      timezone: "Europe/Berlin",
      clusters: ["prod-eu", "prod-us"],
      namespaces: ["shop"],
      severityThreshold: "high",
      yaml: NIGHTLY,
      nextRunAt: "2024-06-02T00:30:00.000Z",
    });
    expect(policy.policy.rules[0]!.cadence).toBe("30 2 * * *");

    const list = await expectJson<{ items: PolicyResponse[] }>(await api.request("/api/v1/policies"), 200);
    expect(list.items.map((p) => [p.name, p.nextRunAt])).toEqual([["nightly", "2024-06-02T00:30:00.000Z"]]);
    expect(
      (await expectJson<PolicyResponse>(await api.request(`/api/v1/policies/${policy.id}`), 200)).yaml,
    ).toBe(NIGHTLY);

    const hourly = NIGHTLY.replace("'30 2 * * *'", "'0 * * * *'").replace("name: nightly", "name: hourly");
    const replaced = await expectJson<PolicyResponse>(
      await api.request(`/api/v1/policies/${policy.id}`, { ...yaml(hourly), method: "PUT" }),
      200,
    );
    expect([replaced.name, replaced.cadence, replaced.nextRunAt]).toEqual([
      "hourly",
      "0 * * * *",
      "2024-06-01T13:00:00.000Z",
    ]);

    expect((await api.request(`/api/v1/policies/${policy.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await api.request(`/api/v1/policies/${policy.id}`)).status).toBe(404);
    expect((await api.request(`/api/v1/policies/${policy.id}`, { method: "DELETE" })).status).toBe(404);
    expect(
      (await api.request(`/api/v1/policies/${policy.id}`, { ...yaml(hourly), method: "PUT" })).status,
    ).toBe(404);
  });

  it("takes the same policy as JSON and keeps it as YAML", async () => {
    const body = {
      name: "weekly",
      rules: [{ type: "schedule", cadence: "@weekly", clusters: ["lab"] }],
      actions: [{ scan: "cluster_image_scanning" }],
    };
    const policy = await expectJson<PolicyResponse>(
      await api.request("/api/v1/policies", { method: "POST", json: body }),
      201,
    );
    expect(policy.yaml).toContain("name: weekly");
    expect(policy.yaml).toContain("cadence: '@weekly'");
    expect([policy.timezone, policy.severityThreshold, policy.namespaces]).toEqual(["UTC", "unknown", []]);
    // @weekly: Sunday 00:00 UTC
    expect(policy.nextRunAt).toBe("2024-06-02T00:00:00.000Z");
  });

  it("answers a malformed cron, time zone or YAML with every located error (line, column, path, reason)", async () => {
    const bad = NIGHTLY.replace("'30 2 * * *'", "'61 2 * * *'").replace("Europe/Berlin", "Mars/Olympus");
    const error = await expectJson<PolicyError>(await api.request("/api/v1/policies", yaml(bad)), 400);
    expect(error.error.details.errors.map((e) => [e.code, e.line, e.column, e.path])).toEqual([
      // the column of the bad field inside the cadence
      ["bad-cadence", 6, 15, "rules[0].cadence"],
      ["bad-time-zone", 7, 15, "rules[0].timezone"],
    ]);
    expect(error.error.details.errors[0]!.reason).toMatch(/61/);
    expect(error.error.message).toMatch(/2 errors\); first at line 6, column 15 \(rules\[0\]\.cadence\)/);

    const syntax = await expectJson<PolicyError>(
      await api.request("/api/v1/policies", yaml("name: x\nrules: [\n")),
      400,
    );
    expect(syntax.error.details.errors[0]).toMatchObject({ code: "yaml-syntax", path: "" });
    expect(syntax.error.details.errors[0]!.line).toBeGreaterThan(0);

    const two = await expectJson<PolicyError>(
      await api.request(
        "/api/v1/policies",
        yaml(
          `- ${NIGHTLY.replaceAll("\n", "\n  ")}\n- ${NIGHTLY.replace("name: nightly", "name: other").replaceAll("\n", "\n  ")}`,
        ),
      ),
      400,
    );
    expect(two.error.message).toMatch(/one policy per request; the document holds 2 \(nightly, other\)/);
    expect(
      (await api.request("/api/v1/policies", { ...yaml(NIGHTLY), headers: { "Content-Type": "text/html" } }))
        .status,
    ).toBe(415);
    expect((await api.request("/api/v1/policies", yaml(""))).status).toBe(400);
    expect((await api.request("/api/v1/policies")).status).toBe(200);
  });

  it("refuses a second policy with a taken name (409)", async () => {
    await expectJson(await api.request("/api/v1/policies", yaml(NIGHTLY)), 201);
    const again = await expectJson<PolicyError>(await api.request("/api/v1/policies", yaml(NIGHTLY)), 409);
    expect(again.error.message).toMatch(/nightly/);
  });

  it("disables and enables a policy with PATCH, editing the YAML in place (comments kept)", async () => {
    const policy = await expectJson<PolicyResponse>(
      await api.request("/api/v1/policies", yaml(NIGHTLY)),
      201,
    );
    const disabled = await expectJson<PolicyResponse>(
      await api.request(`/api/v1/policies/${policy.id}`, { method: "PATCH", json: { enabled: false } }),
      200,
    );
    expect(disabled.enabled).toBe(false);
    expect(disabled.nextRunAt).toBeUndefined();
    expect(disabled.yaml).toContain("# nightly scans of production");
    expect(disabled.yaml).toContain("enabled: false");
    const enabled = await expectJson<PolicyResponse>(
      await api.request(`/api/v1/policies/${policy.id}`, { method: "PATCH", json: { enabled: true } }),
      200,
    );
    expect([enabled.enabled, enabled.nextRunAt]).toEqual([true, "2024-06-02T00:30:00.000Z"]);
    expect(enabled.yaml).toContain("enabled: true");

    const wrong = await expectJson<{ error: { details: { field: string } } }>(
      await api.request(`/api/v1/policies/${policy.id}`, { method: "PATCH", json: { enabled: "no" } }),
      400,
    );
    expect(wrong.error.details.field).toBe("enabled");
    expect(
      (await api.request("/api/v1/policies/nope", { method: "PATCH", json: { enabled: true } })).status,
    ).toBe(404);
  });

  it("edits enabled inside a scan_execution_policy document too", async () => {
    const document = `scan_execution_policy:\n${`- ${NIGHTLY.replaceAll("\n", "\n  ")}`.trimEnd()}\n`;
    const policy = await expectJson<PolicyResponse>(
      await api.request("/api/v1/policies", yaml(document)),
      201,
    );
    const disabled = await expectJson<PolicyResponse>(
      await api.request(`/api/v1/policies/${policy.id}`, { method: "PATCH", json: { enabled: false } }),
      200,
    );
    expect(disabled.yaml).toMatch(
      /^scan_execution_policy:\n {2}# nightly scans of production\n {2}- name: nightly\n/,
    );
    expect(disabled.yaml).toMatch(/\n {4}enabled: false\n$/);
    expect(disabled.enabled).toBe(false);
  });
});
