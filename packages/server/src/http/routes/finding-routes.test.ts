import { SEVERITY_LEVELS, type SeverityLevel } from "@vigil/core";
import { describe, expect, it } from "vitest";
import { DIALECTS } from "../../db/test-support/test-databases.js";
import type { FindingRecord } from "../../store/finding-record.js";
import { at, finding } from "../../store/test-support/store-fixtures.js";
import { expectJson, NOW, useApiServer } from "./test-support/api-test-server.js";

interface Page {
  items: FindingRecord[];
  nextCursor?: string;
  counts?: { total: number; bySeverity: Record<SeverityLevel, number> };
}

interface ErrorBody {
  error: { status: number; message: string; details: Record<string, unknown> & { field?: string } };
}

const LEVELS: SeverityLevel[] = ["critical", "high", "medium", "low", "negligible", "unknown"];

/** 30 findings over two clusters, three namespaces, every severity, some fixable, some KEV. */
function corpus(): FindingRecord[] {
  return Array.from({ length: 30 }, (_, i) =>
    finding(`f${String(i).padStart(2, "0")}`, {
      identity: {
        clusterId: i % 3 === 0 ? "edge" : "prod",
        namespace: ["shop", "billing", "ops"][i % 3]!,
        workloadName: i % 2 === 0 ? "web" : "worker",
        packageName: i % 4 === 0 ? "openssl" : `lib${i}`,
        advisoryId: `CVE-2024-${1000 + i}`,
      },
      severity: LEVELS[i % 6]!,
      fixable: i % 5 !== 0,
      kev: i % 7 === 0,
      details: { imageDigest: i < 15 ? "sha256:aaaa" : "sha256:bbbb" },
      // few distinct times: sort keys tie often, the id breaks ties
      lastSeen: at(i % 4),
      firstSeen: at(i % 3),
      state: i === 29 ? "resolved" : "detected",
    }),
  );
}

describe.each(DIALECTS)("finding routes on %s", (dialect) => {
  const api = useApiServer(dialect);
  const list = async (query: string) => expectJson<Page>(await api.request(`/api/v1/findings?${query}`), 200);
  const ids = (page: Page) => page.items.map((f) => f.id).sort();

  /** Every page of a query, checking each page's size. */
  const allPages = async (query: string, limit: number, start?: string) => {
    const seen: string[] = [];
    let cursor: string | undefined = start;
    do {
      const page = await list(
        `${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      );
      expect(page.items.length).toBeLessThanOrEqual(limit);
      seen.push(...page.items.map((f) => f.id));
      cursor = page.nextCursor;
    } while (cursor);
    return seen;
  };

  it("filters by every field, repeatable ones matching any value", async () => {
    const all = corpus();
    await api.seedFindings(all);
    const expectIds = (page: Page, pick: (f: FindingRecord) => boolean) =>
      expect(ids(page)).toEqual(
        all
          .filter(pick)
          .map((f) => f.id)
          .sort(),
      );
    const q = "limit=500";
    expectIds(await list(`${q}&cluster=edge`), (f) => f.identity.clusterId === "edge");
    expectIds(await list(`${q}&namespace=shop&namespace=ops`), (f) => f.identity.namespace !== "billing");
    expectIds(
      await list(`${q}&workload_kind=Deployment&workload_name=web`),
      (f) => f.identity.workloadName === "web",
    );
    expectIds(await list(`${q}&image_digest=sha256:bbbb`), (f) => f.details.imageDigest === "sha256:bbbb");
    expectIds(await list(`${q}&package=openssl&package=lib1`), (f) =>
      ["openssl", "lib1"].includes(f.identity.packageName),
    );
    expectIds(await list(`${q}&severity=critical&severity=high`), (f) =>
      ["critical", "high"].includes(f.details.severity.level),
    );
    expectIds(await list(`${q}&severity=critical,low`), (f) =>
      ["critical", "low"].includes(f.details.severity.level),
    );
    expectIds(await list(`${q}&state=resolved`), (f) => f.state === "resolved");
    expectIds(await list(`${q}&fixable=false`), (f) => f.details.fixedVersion === undefined);
    expectIds(await list(`${q}&kev=true`), (f) => f.kev);
    expectIds(await list(`${q}&report_type=operational`), () => true);
    expectIds(await list(`${q}&report_type=development`), () => false);
    expectIds(await list(`${q}&q=cve-2024-101`), (f) => f.identity.advisoryId.startsWith("CVE-2024-101"));
    expectIds(await list(`${q}&q=OPENSSL`), (f) => f.identity.packageName === "openssl");
    expectIds(
      await list(`${q}&cluster=prod&severity=high&fixable=true`),
      (f) =>
        f.identity.clusterId === "prod" &&
        f.details.severity.level === "high" &&
        f.details.fixedVersion !== undefined,
    );
    // empty values are no condition, as forms send them
    expect((await list(`${q}&cluster=&q=`)).items).toHaveLength(30);
  });

  it("refuses malformed parameters with a 400 naming the parameter", async () => {
    for (const [query, field] of [
      ["severity=severe", "query.severity"],
      ["state=open", "query.state"],
      ["fixable=maybe", "query.fixable"],
      ["report_type=ci", "query.report_type"],
      ["limit=501", "query.limit"],
      ["limit=0", "query.limit"],
      ["limit=ten", "query.limit"],
      ["sort=name", "query.sort"],
      ["order=up", "query.order"],
      ["clustr=prod", "query.clustr"],
      ["workload_name=a&workload_name=b", "query.workload_name"],
      ["cursor=bm9wZQ", "query.cursor"],
    ] as const) {
      const error = await expectJson<ErrorBody>(await api.request(`/api/v1/findings?${query}`), 400);
      expect(error.error.details.field, query).toBe(field);
    }
  });

  it("pages every sort in both directions without duplicates or gaps, in the sort's order", async () => {
    const all = corpus();
    await api.seedFindings(all);
    for (const sort of ["severity", "last_seen", "first_seen"]) {
      for (const order of ["desc", "asc"]) {
        const seen = await allPages(`sort=${sort}&order=${order}`, 7);
        expect(seen).toHaveLength(30);
        expect(new Set(seen).size).toBe(30);
        const byId = new Map(all.map((f) => [f.id, f]));
        // the keyset of each sort, compared as a tuple: descending means each key is above the next
        const key = (id: string): (string | number)[] => {
          const f = byId.get(id)!;
          if (sort === "severity") return [SEVERITY_LEVELS.indexOf(f.details.severity.level), f.lastSeen, id];
          return [sort === "last_seen" ? f.lastSeen : f.firstSeen, id];
        };
        for (let i = 1; i < seen.length; i++) {
          const cmp = compareTuples(key(seen[i - 1]!), key(seen[i]!));
          expect(order === "desc" ? cmp : -cmp, `${sort} ${order} at ${i}`).toBeGreaterThan(0);
        }
      }
    }
    // a cursor of one sort is refused by another
    const first = await list("sort=last_seen&limit=5");
    const mixed = await expectJson<ErrorBody>(
      await api.request(`/api/v1/findings?sort=first_seen&cursor=${first.nextCursor}`),
      400,
    );
    expect(mixed.error.message).toMatch(/another sort order/);
  });

  it("keeps pages stable while findings are added at the front", async () => {
    await api.seedFindings(corpus());
    const first = await list("sort=last_seen&limit=10");
    await api.seedFindings([finding("new", { identity: { advisoryId: "CVE-NEW" }, lastSeen: at(100) })]);
    const rest = await allPages("sort=last_seen", 10, first.nextCursor);
    const seen = [...first.items.map((f) => f.id), ...rest];
    expect(seen).toHaveLength(30);
    expect(seen).not.toContain("new");
  });

  it("counts per severity under a filter, in the summary and with the list", async () => {
    await api.seedFindings(corpus());
    const summary = await expectJson<Page["counts"]>(
      await api.request("/api/v1/findings/summary?cluster=prod"),
      200,
    );
    const prod = corpus().filter((f) => f.identity.clusterId === "prod");
    expect(summary).toEqual({
      total: 20,
      bySeverity: Object.fromEntries(
        LEVELS.map((level) => [level, prod.filter((f) => f.details.severity.level === level).length]),
      ),
    });
    expect(Object.values(summary!.bySeverity).filter((n) => n > 0).length).toBeGreaterThan(2);
    const page = await list("cluster=prod&limit=1&counts=true");
    expect(page.items).toHaveLength(1);
    expect(page.counts).toEqual(summary);
    expect((await list("limit=1")).counts).toBeUndefined();
    expect((await api.request("/api/v1/findings/summary?limit=1")).status).toBe(400);
  });

  it("reads a finding with its history and answers 404 for an unknown one", async () => {
    await api.seedFindings([finding("f1")]);
    const one = await expectJson<FindingRecord & { history: unknown[] }>(
      await api.request("/api/v1/findings/f1"),
      200,
    );
    expect(one.identity.advisoryId).toBe("CVE-2024-0001");
    expect(one.history).toEqual([]);
    const missing = await expectJson<ErrorBody>(await api.request("/api/v1/findings/nope"), 404);
    expect(missing.error.message).toBe('no finding with the id "nope"');
    expect(
      (await api.request("/api/v1/findings/nope/state", { method: "POST", json: { state: "confirmed" } }))
        .status,
    ).toBe(404);
  });

  it("changes a finding's state through changeFindingState, kept in the history with the local user", async () => {
    await api.seedFindings([finding("f1")]);
    const dismissed = await expectJson<FindingRecord & { history: Record<string, unknown>[] }>(
      await api.request("/api/v1/findings/f1/state", {
        method: "POST",
        json: { state: "dismissed", reason: "false_positive", comment: "not reachable" },
      }),
      200,
    );
    expect(dismissed.state).toBe("dismissed");
    expect(dismissed.dismissal).toEqual({ reason: "false_positive", comment: "not reachable" });
    expect(dismissed.history).toEqual([
      {
        id: expect.any(Number),
        findingId: "f1",
        at: NOW.toISOString(),
        actor: { type: "user", id: api.users.owner.id },
        from: "detected",
        to: "dismissed",
        reason: "false_positive",
        comment: "not reachable",
      },
    ]);

    api.setNow(new Date(NOW.getTime() + 60_000));
    const resolved = await expectJson<FindingRecord>(
      await api.request("/api/v1/findings/f1/state", { method: "POST", json: { state: "resolved" } }),
      200,
    );
    expect([resolved.state, resolved.dismissal, resolved.resolvedAt]).toEqual([
      "resolved",
      undefined,
      "2024-06-01T12:01:00.000Z",
    ]);
    const reopened = await expectJson<FindingRecord & { history: { from: string; to: string }[] }>(
      await api.request("/api/v1/findings/f1/state", { method: "POST", json: { state: "detected" } }),
      200,
    );
    expect(reopened.resolvedAt).toBeUndefined();
    expect(reopened.history.map((h) => `${h.from}->${h.to}`)).toEqual([
      "detected->dismissed",
      "dismissed->resolved",
      "resolved->detected",
    ]);
    const stored = await expectJson<{ history: unknown[] }>(await api.request("/api/v1/findings/f1"), 200);
    expect(stored.history).toHaveLength(3);
  });

  it("answers a disallowed change with 422 and the problem, and a malformed one with 400", async () => {
    await api.seedFindings([
      finding("f1", { state: "resolved" }),
      finding("f2", { identity: { advisoryId: "CVE-2" } }),
    ]);
    const cases = [
      ["f1", { state: "confirmed" }, "not-allowed"],
      ["f2", { state: "detected" }, "unchanged"],
      ["f2", { state: "dismissed" }, "reason-required"],
      ["f2", { state: "confirmed", reason: "false_positive" }, "reason-not-allowed"],
      ["f2", { state: "dismissed", reason: "because" }, "unknown-reason"],
    ] as const;
    for (const [id, body, problem] of cases) {
      const error = await expectJson<ErrorBody>(
        await api.request(`/api/v1/findings/${id}/state`, { method: "POST", json: body }),
        422,
      );
      expect(error.error.details.problem, JSON.stringify(body)).toBe(problem);
    }
    const resolved = await expectJson<ErrorBody>(
      await api.request("/api/v1/findings/f1/state", { method: "POST", json: { state: "confirmed" } }),
      422,
    );
    expect(resolved.error.details).toMatchObject({ id: "f1", from: "resolved", to: "confirmed" });
    for (const [body, field] of [
      [{}, "state"],
      [{ state: "open" }, "state"],
      [{ state: "confirmed", comment: 5 }, "comment"],
      [{ state: "confirmed", by: "me" }, "by"],
    ] as const) {
      const error = await expectJson<ErrorBody>(
        await api.request("/api/v1/findings/f2/state", { method: "POST", json: body }),
        400,
      );
      expect(error.error.details.field).toBe(field);
    }
    const history = await expectJson<{ history: unknown[]; state: string }>(
      await api.request("/api/v1/findings/f2"),
      200,
    );
    expect([history.state, history.history]).toEqual(["detected", []]);
  });

  it("changes findings in bulk by ids or filter, skipping those already in the state", async () => {
    await api.seedFindings(corpus());
    const byIds = await expectJson<{ changed: string[]; unchanged: string[] }>(
      await api.request("/api/v1/findings/state", {
        method: "POST",
        json: { ids: ["f01", "f02", "f01"], state: "confirmed", comment: "triaged" },
      }),
      200,
    );
    expect(byIds).toEqual({ changed: ["f01", "f02"], unchanged: [] });

    const byFilter = await expectJson<{ changed: string[]; unchanged: string[] }>(
      await api.request("/api/v1/findings/state", {
        method: "POST",
        json: {
          filter: { cluster: "prod", severity: ["critical", "high"], state: ["detected", "confirmed"] },
          state: "dismissed",
          reason: "mitigating_control",
        },
      }),
      200,
    );
    const expected = corpus()
      .filter(
        (f) =>
          f.identity.clusterId === "prod" &&
          ["critical", "high"].includes(f.details.severity.level) &&
          f.state !== "resolved",
      )
      .map((f) => f.id);
    expect(byFilter.changed.sort()).toEqual(expected.sort());
    const dismissed = await list("state=dismissed&limit=500");
    expect(ids(dismissed)).toEqual(expected.sort());
    const f01 = await expectJson<{ history: { actor: object; to: string }[] }>(
      await api.request("/api/v1/findings/f01"),
      200,
    );
    expect(f01.history.map((h) => h.to)).toEqual([
      "confirmed",
      ...(expected.includes("f01") ? ["dismissed"] : []),
    ]);

    // the same change again: nothing to do, every finding reported unchanged
    const again = await expectJson<{ changed: string[]; unchanged: string[] }>(
      await api.request("/api/v1/findings/state", {
        method: "POST",
        json: { filter: { state: "dismissed" }, state: "dismissed", reason: "mitigating_control" },
      }),
      200,
    );
    expect([again.changed, again.unchanged.length]).toEqual([[], expected.length]);
  });

  it("changes nothing in a bulk change when any finding refuses it or is unknown", async () => {
    await api.seedFindings(corpus());
    // f29 is resolved: it can only be reopened
    const refused = await expectJson<ErrorBody>(
      await api.request("/api/v1/findings/state", {
        method: "POST",
        json: { ids: ["f00", "f01", "f29"], state: "confirmed" },
      }),
      422,
    );
    expect(refused.error.details).toMatchObject({
      refusedCount: 1,
      refused: [{ id: "f29", problem: "not-allowed", from: "resolved", to: "confirmed" }],
    });
    const unknown = await expectJson<ErrorBody>(
      await api.request("/api/v1/findings/state", {
        method: "POST",
        json: { ids: ["f00", "nope"], state: "confirmed" },
      }),
      404,
    );
    expect(unknown.error.details.ids).toEqual(["nope"]);
    const byFilter = await expectJson<ErrorBody>(
      await api.request("/api/v1/findings/state", {
        method: "POST",
        json: { filter: { cluster: "prod" }, state: "confirmed" },
      }),
      422,
    );
    expect(byFilter.error.message).toMatch(/1 of 20 findings cannot be made confirmed/);
    expect((await list("state=confirmed")).items).toEqual([]);
    for (const id of ["f00", "f01", "f03"]) {
      expect(
        (await expectJson<{ history: unknown[] }>(await api.request(`/api/v1/findings/${id}`), 200)).history,
      ).toEqual([]);
    }

    for (const [body, field] of [
      [{ state: "confirmed" }, "ids"],
      [{ ids: ["f00"], filter: { cluster: "edge" }, state: "confirmed" }, "ids"],
      [{ ids: [], state: "confirmed" }, "ids"],
      [{ filter: {}, state: "confirmed" }, "filter"],
      [{ filter: { clustr: "edge" }, state: "confirmed" }, "filter.clustr"],
      [{ filter: { severity: ["bad"] }, state: "confirmed" }, "filter.severity"],
      [{ ids: ["f00"], state: "gone" }, "state"],
    ] as const) {
      const error = await expectJson<ErrorBody>(
        await api.request("/api/v1/findings/state", { method: "POST", json: body }),
        400,
      );
      expect(error.error.details.field, JSON.stringify(body)).toBe(field);
    }
  });
});

function compareTuples(a: readonly (string | number)[], b: readonly (string | number)[]): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return a[i]! > b[i]! ? 1 : -1;
  }
  return 0;
}
