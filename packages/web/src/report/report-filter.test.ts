import { OPEN_FINDING_STATES } from "@vigil/core/browser";
import { describe, expect, it } from "vitest";
import { findingFilterOf, reportQueryOf, reportViewOf } from "./report-filter.js";

describe("the report's view in the URL", () => {
  it("round-trips every filter, and leaves the defaults out of the URL", () => {
    const query = new URLSearchParams(
      "cluster=prod-eu&cluster=staging-us&namespace=shop,payments&workload=web&severity=critical&severity=high" +
        "&state=dismissed&fixable=true&kev=true&q=CVE-2024&sort=first_seen&order=asc&cursor=abc",
    );
    const view = reportViewOf(query);
    expect(view).toEqual({
      cluster: ["prod-eu", "staging-us"],
      namespace: ["shop", "payments"],
      workload: "web",
      severity: ["critical", "high"],
      state: ["dismissed"],
      fixable: true,
      kev: true,
      q: "CVE-2024",
      project: "",
      sort: "first_seen",
      order: "asc",
      cursor: "abc",
    });
    expect(reportViewOf(new URLSearchParams(reportQueryOf(view).slice(1)))).toEqual(view);
    expect(reportQueryOf(reportViewOf(new URLSearchParams()))).toBe("");
  });

  it("drops values the API would refuse instead of sending them on", () => {
    const view = reportViewOf(new URLSearchParams("severity=urgent&state=open&sort=random&fixable=maybe"));
    expect(view.severity).toEqual([]);
    expect(view.state).toEqual([]);
    expect(view.sort).toBe("severity");
    expect(view.fixable).toBeUndefined();
  });

  it("asks the API for open findings unless states are chosen", () => {
    const view = reportViewOf(new URLSearchParams("cluster=prod-eu"));
    expect(findingFilterOf(view, "operational")).toEqual({
      report_type: "operational",
      cluster: ["prod-eu"],
      state: OPEN_FINDING_STATES,
    });
  });
});
