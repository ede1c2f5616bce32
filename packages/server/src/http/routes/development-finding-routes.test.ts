import { describe, expect, it } from "vitest";
import { readTestdataJson } from "../../../../core/src/report/gitlab/test-support/gitlab-schemas.js";
import { DIALECTS } from "../../db/test-support/test-databases.js";
import type { FindingRecord } from "../../store/finding-record.js";
import { expectJson, NOW, useApiServer } from "./test-support/api-test-server.js";

interface Report {
  vulnerabilities: Record<string, unknown>[];
}

/** Vigil's own container scanning golden: 5 vulnerabilities in a Debian image with a Node.js app. */
const vigilReport = () => readTestdataJson("container-scanning.golden.json") as Report;
/** Trivy's GitLab template output: 4 vulnerabilities in Alpine 3.10. */
const trivyReport = () => readTestdataJson("trivy/alpine-310.gitlab.golden") as Report;

interface Result {
  findings: number;
  changes: Record<string, number>;
}

describe.each(DIALECTS)("development findings on %s", (dialect) => {
  const api = useApiServer(dialect);
  const post = (project: string, branch: string | undefined, body: unknown) =>
    api.request(
      `/api/v1/projects/${encodeURIComponent(project)}/development-findings${branch !== undefined ? `?branch=${encodeURIComponent(branch)}` : ""}`,
      { method: "POST", json: body },
    );
  const listOf = async (query: string) =>
    (
      await expectJson<{ items: FindingRecord[] }>(
        await api.request(`/api/v1/findings?limit=500&${query}`),
        200,
      )
    ).items;

  it("records a container scanning report as development findings of the project and branch", async () => {
    const result = await expectJson<Result & { project: string; branch: string }>(
      await post("shop/web", "main", vigilReport()),
      200,
    );
    expect(result).toMatchObject({ project: "shop/web", branch: "main", findings: 5 });
    expect(result.changes.created).toBe(5);

    const items = await listOf("report_type=development");
    expect(items).toHaveLength(5);
    expect(await listOf("report_type=operational")).toEqual([]);
    expect(await listOf("report_type=development&project=shop/web&branch=main")).toHaveLength(5);
    const lodash = items.find((f) => f.identity.packageName === "lodash")!;
    expect(lodash).toMatchObject({
      reportType: "development",
      project: "shop/web",
      branch: "main",
      state: "detected",
      firstSeen: NOW.toISOString(),
      identity: {
        clusterId: "",
        namespace: "",
        workloadKind: "image",
        workloadName: "registry.example.com/shop/web",
        containerName: "",
        advisoryId: "CVE-2019-10744",
      },
      details: {
        image: "registry.example.com/shop/web:1.8.0",
        imageDigest: `sha256:${"a".repeat(64)}`,
        packageType: "npm",
        packageVersion: "4.17.11",
        purl: "pkg:npm/lodash@4.17.11",
        path: "/app/node_modules/lodash/package.json",
        layerDigest: `sha256:${"3".repeat(64)}`,
        fixedVersion: "4.17.12",
        matchStatus: "fixed",
        severity: { level: "critical", source: "cvss-v3", score: 9.1 },
        aliases: ["GHSA-jf85-cpcp-j695"],
      },
    });
    const history = await expectJson<{ history: { actor: object; to: string; scanId?: string }[] }>(
      await api.request(`/api/v1/findings/${lodash.id}`),
      200,
    );
    expect(history.history).toEqual([expect.objectContaining({ actor: { type: "system" }, to: "detected" })]);
    expect(history.history[0]!.scanId).toBeUndefined();
  });

  it("reads Trivy's GitLab output too (severity and fix from the GitLab fields)", async () => {
    await expectJson(await post("ops/agent", "main", trivyReport()), 200);
    const items = await listOf("report_type=development&project=ops/agent");
    expect(items).toHaveLength(4);
    const first = items.find((f) => f.identity.advisoryId === "CVE-2019-1549")!;
    expect(first.details).toMatchObject({
      packageType: "apk",
      fixedVersion: "1.1.1d-r0",
      matchStatus: "fixed",
      severity: { level: "medium", source: "database", raw: "Medium" },
    });
  });

  it("replaces the previous report of the same project and branch: gone ones resolved, dismissals kept", async () => {
    await expectJson(await post("shop/web", "main", vigilReport()), 200);
    await expectJson(await post("shop/web", "feature/x", vigilReport()), 200);
    const items = await listOf("report_type=development&branch=main");
    const [kept, dismissed] = [items[0]!, items[1]!];
    await expectJson(
      await api.request(`/api/v1/findings/${dismissed.id}/state`, {
        method: "POST",
        json: { state: "dismissed", reason: "used_in_tests" },
      }),
      200,
    );

    api.setNow(new Date(NOW.getTime() + 3_600_000));
    const report = vigilReport();
    const keepIds = new Set([kept.identity.advisoryId, dismissed.identity.advisoryId]);
    report.vulnerabilities = report.vulnerabilities.filter((v) =>
      keepIds.has((v.identifiers as { value: string }[])[0]!.value),
    );
    const result = await expectJson<Result>(await post("shop/web", "main", report), 200);
    expect(result.changes).toMatchObject({ created: 0, "still-detected": 2, resolved: 3 });

    const after = await listOf("report_type=development&branch=main");
    expect(after.filter((f) => f.state === "resolved")).toHaveLength(3);
    expect(
      after.filter((f) => f.state === "resolved").every((f) => f.resolvedAt === "2024-06-01T13:00:00.000Z"),
    ).toBe(true);
    expect(after.find((f) => f.id === dismissed.id)!.state).toBe("dismissed");
    expect(after.find((f) => f.id === kept.id)!.lastSeen).toBe("2024-06-01T13:00:00.000Z");
    // the other branch is untouched
    expect(
      (await listOf("report_type=development&branch=feature/x")).every((f) => f.state === "detected"),
    ).toBe(true);

    // detected again: reopened
    const again = await expectJson<Result>(await post("shop/web", "main", vigilReport()), 200);
    expect(again.changes).toMatchObject({ reopened: 3, "still-detected": 2 });
    // an empty report resolves the open ones and flags the dismissed one no longer detected
    const empty = await expectJson<Result>(
      await post("shop/web", "main", { ...vigilReport(), vulnerabilities: [] }),
      200,
    );
    expect(empty.changes).toMatchObject({ resolved: 4, "no-longer-detected": 1 });
  });

  it("answers 400 naming the first problems of a body that is not a container scanning report", async () => {
    const report = vigilReport();
    const broken = {
      ...report,
      vulnerabilities: [
        { ...report.vulnerabilities[0], identifiers: [] },
        { ...report.vulnerabilities[1], severity: "Severe" },
        { ...report.vulnerabilities[2], location: { dependency: { package: {} }, image: "" } },
      ],
    };
    const error = await expectJson<{
      error: { message: string; details: { problems: { field: string }[] } };
    }>(await post("shop/web", "main", broken), 400);
    expect(error.error.details.problems.map((p) => p.field)).toEqual([
      "vulnerabilities[0].identifiers",
      "vulnerabilities[1].severity",
      "vulnerabilities[2].location.dependency.package.name",
      "vulnerabilities[2].location.dependency.version",
      "vulnerabilities[2].location.image",
    ]);
    const wrongType = await expectJson<{ error: { details: { problems: { field: string }[] } } }>(
      await post("shop/web", "main", { ...report, scan: { type: "sast" } }),
      400,
    );
    expect(wrongType.error.details.problems[0]!.field).toBe("scan.type");
    expect((await post("shop/web", "main", { version: "15.0.7" })).status).toBe(400);
    const noBranch = await expectJson<{ error: { details: { field: string } } }>(
      await post("shop/web", undefined, report),
      400,
    );
    expect(noBranch.error.details.field).toBe("query.branch");
    expect(await listOf("report_type=development")).toEqual([]);
  });
});
