import { describe, expect, it } from "vitest";
import type { Finding, FindingHistoryEntry } from "./finding.js";
import { findingKey } from "./finding-identity.js";
import { FindingsInputError } from "./findings-input-error.js";
import { type ReconcileFindingsInput, reconcileFindings } from "./reconcile-findings.js";
import type { ScanCoverage } from "./scan-coverage.js";
import {
  CLUSTER,
  coverage,
  details,
  detection,
  finding,
  identity,
  t,
} from "./test-support/findings-fixtures.js";

const now = t("12:00");
const scanId = "scan-42";

const reconcile = (fields: Partial<ReconcileFindingsInput>) =>
  reconcileFindings({
    clusterId: CLUSTER,
    scanId,
    now,
    coverage: coverage(),
    detections: [],
    previous: [],
    ...fields,
  });

/** A scan entry's from → to, as a short string. */
const change = (entry: FindingHistoryEntry) => `${entry.from ?? "(new)"} -> ${entry.to}`;

const dismissed: Partial<Finding> = {
  state: "dismissed",
  dismissal: { reason: "mitigating_control", comment: "egress blocked" },
};

describe("reconcileFindings: one finding, one scan", () => {
  const app = { namespace: "shop", workloadKind: "Deployment", workloadName: "api", containerName: "app" };
  interface Row {
    readonly name: string;
    /** The finding before the scan (fields over the fixture's), none for a new identity. */
    readonly previous?: Partial<Finding>;
    readonly detected: boolean;
    readonly coverage?: Partial<ScanCoverage>;
    /** `kind state`, then `flag` when noLongerDetected, the history entry, and `gap=`. */
    readonly outcome: string;
  }
  const rows: Row[] = [
    // Detected.
    {
      name: "a new identity is created as detected",
      detected: true,
      outcome: "created detected (new) -> detected",
    },
    {
      name: "a detected finding detected again",
      previous: {},
      detected: true,
      outcome: "still-detected detected",
    },
    {
      name: "a confirmed finding detected again stays confirmed",
      previous: { state: "confirmed" },
      detected: true,
      outcome: "still-detected confirmed",
    },
    {
      name: "a dismissed finding detected again stays dismissed (no reopen)",
      previous: dismissed,
      detected: true,
      outcome: "still-detected dismissed",
    },
    {
      name: "a dismissed, no longer detected finding detected again clears the flag",
      previous: { ...dismissed, noLongerDetected: true },
      detected: true,
      outcome: "still-detected dismissed",
    },
    {
      name: "a resolved finding detected again is reopened",
      previous: { state: "resolved", noLongerDetected: true },
      detected: true,
      outcome: "reopened detected resolved -> detected",
    },
    {
      name: "a resolved finding detected by a partial scan is reopened too (detection is positive evidence)",
      previous: { state: "resolved", noLongerDetected: true },
      detected: true,
      coverage: { status: "partial" },
      outcome: "reopened detected resolved -> detected",
    },
    {
      name: "a manually resolved finding still detected is reopened",
      previous: { state: "resolved" },
      detected: true,
      outcome: "reopened detected resolved -> detected",
    },
    // Not detected by a scan that covers it.
    {
      name: "a detected finding a complete scan no longer detects is resolved",
      previous: {},
      detected: false,
      outcome: "resolved resolved flag detected -> resolved",
    },
    {
      name: "a confirmed finding a complete scan no longer detects is resolved",
      previous: { state: "confirmed" },
      detected: false,
      outcome: "resolved resolved flag confirmed -> resolved",
    },
    {
      name: "a dismissed finding a complete scan no longer detects stays dismissed, flagged",
      previous: dismissed,
      detected: false,
      outcome: "no-longer-detected dismissed flag",
    },
    {
      name: "a resolved finding not detected stays resolved",
      previous: { state: "resolved", noLongerDetected: true },
      detected: false,
      outcome: "no-longer-detected resolved flag",
    },
    {
      name: "a complete scan of namespaces [shop] resolves in shop",
      previous: {},
      detected: false,
      coverage: { scope: { namespaces: ["shop"] } },
      outcome: "resolved resolved flag detected -> resolved",
    },
    {
      name: "an uncovered sibling container does not keep this one open",
      previous: {},
      detected: false,
      coverage: { uncovered: [{ ...app, containerName: "sidecar" }] },
      outcome: "resolved resolved flag detected -> resolved",
    },
    {
      name: "an uncovered workload of another kind with the same name does not keep it open",
      previous: {},
      detected: false,
      coverage: { uncovered: [{ ...app, workloadKind: "StatefulSet" }] },
      outcome: "resolved resolved flag detected -> resolved",
    },
    {
      name: "a label-selected scan resolves what it observed",
      previous: {},
      detected: false,
      coverage: { scope: { namespaces: "all", labelSelector: "team=shop" }, observed: [app] },
      outcome: "resolved resolved flag detected -> resolved",
    },
    // Not detected, not covered: nothing changes.
    {
      name: "a partial scan resolves nothing",
      previous: {},
      detected: false,
      coverage: { status: "partial" },
      outcome: "unchanged-not-covered detected gap=scan-not-complete",
    },
    {
      name: "a failed scan resolves nothing",
      previous: {},
      detected: false,
      coverage: { status: "failed" },
      outcome: "unchanged-not-covered detected gap=scan-not-complete",
    },
    {
      name: "a timed-out scan (cancelled images make it partial) resolves nothing, even with no uncovered list",
      previous: { state: "confirmed" },
      detected: false,
      coverage: { status: "partial", uncovered: [] },
      outcome: "unchanged-not-covered confirmed gap=scan-not-complete",
    },
    {
      name: "a partial scan does not flag a dismissed finding",
      previous: dismissed,
      detected: false,
      coverage: { status: "partial" },
      outcome: "unchanged-not-covered dismissed gap=scan-not-complete",
    },
    {
      name: "a complete scan of namespaces [a] does not resolve in shop",
      previous: {},
      detected: false,
      coverage: { scope: { namespaces: ["a"] } },
      outcome: "unchanged-not-covered detected gap=namespace-not-in-scope",
    },
    {
      name: "an empty namespace list covers nothing",
      previous: {},
      detected: false,
      coverage: { scope: { namespaces: [] } },
      outcome: "unchanged-not-covered detected gap=namespace-not-in-scope",
    },
    {
      name: "an excluded namespace is not covered",
      previous: {},
      detected: false,
      coverage: { scope: { namespaces: "all", excludeNamespaces: ["shop"] } },
      outcome: "unchanged-not-covered detected gap=namespace-not-in-scope",
    },
    {
      name: "a namespace whose pods could not be listed is not covered",
      previous: {},
      detected: false,
      coverage: { uncoveredNamespaces: ["shop"] },
      outcome: "unchanged-not-covered detected gap=namespace-failed",
    },
    {
      name: "an uncovered workload container is not covered",
      previous: {},
      detected: false,
      coverage: { uncovered: [app] },
      outcome: "unchanged-not-covered detected gap=workload-uncovered",
    },
    {
      name: "an uncovered workload (every container) is not covered",
      previous: { state: "confirmed" },
      detected: false,
      coverage: { uncovered: [{ namespace: "shop", workloadKind: "Deployment", workloadName: "api" }] },
      outcome: "unchanged-not-covered confirmed gap=workload-uncovered",
    },
    {
      name: "a label-selected scan does not resolve what it did not observe",
      previous: {},
      detected: false,
      coverage: { scope: { namespaces: "all", labelSelector: "team=billing" }, observed: [] },
      outcome: "unchanged-not-covered detected gap=workload-not-selected",
    },
  ];

  it.each(rows)("$name", (row) => {
    const previous = row.previous ? [finding(row.previous)] : [];
    const result = reconcile({
      coverage: coverage(row.coverage),
      detections: row.detected ? [detection()] : [],
      previous,
    });
    expect(result.transitions).toHaveLength(1);
    const transition = result.transitions[0]!;
    const { kind, finding: after, history, gap } = transition;
    const outcome = [
      kind,
      after.state,
      ...(after.noLongerDetected ? ["flag"] : []),
      ...history.map(change),
      ...(gap ? [`gap=${gap}`] : []),
    ].join(" ");
    expect(outcome).toBe(row.outcome);

    expect(transition.key).toBe(findingKey(identity()));
    expect(result.history).toEqual(history);
    expect(result.counts[kind]).toBe(1);
    for (const entry of history) {
      expect(entry).toEqual({
        identity: identity(),
        at: now,
        actor: { type: "system" },
        ...(entry.from ? { from: entry.from } : {}),
        to: entry.to,
        scanId,
      });
    }
    if (after.state === "dismissed") expect(after.dismissal).toEqual(dismissed.dismissal);
    else expect(after.dismissal).toBeUndefined();
    if (row.detected) {
      expect(after.lastSeen).toEqual(now);
      expect(after.details).toEqual(detection().details);
      expect(after.firstSeen).toEqual(row.previous ? t("08:00") : now);
    } else {
      expect(after.lastSeen).toEqual(t("09:00"));
      expect(after.details).toEqual(details());
    }
    if (kind === "unchanged-not-covered") expect(after).toBe(previous[0]);
  });
});

describe("reconcileFindings: runningSince", () => {
  it.each([
    {
      name: "keeps the earlier previous start",
      previous: { runningSince: t("07:00") },
      detected: t("07:30"),
      expected: t("07:00"),
    },
    {
      name: "takes an earlier detected start",
      previous: { runningSince: t("07:30") },
      detected: t("07:00"),
      expected: t("07:00"),
    },
    {
      name: "takes the detected start when none was known",
      previous: { runningSince: undefined },
      detected: t("07:30"),
      expected: t("07:30"),
    },
    {
      name: "keeps the previous start when the detection has none",
      previous: { runningSince: t("07:00") },
      detected: undefined,
      expected: t("07:00"),
    },
    {
      name: "starts again after a covering scan no longer detected it (dismissed)",
      previous: { ...dismissed, runningSince: t("07:00"), noLongerDetected: true },
      detected: t("11:00"),
      expected: t("11:00"),
    },
    {
      name: "starts again when a resolved finding is reopened",
      previous: { state: "resolved" as const, runningSince: t("07:00"), noLongerDetected: true },
      detected: t("11:00"),
      expected: t("11:00"),
    },
    {
      name: "keeps the earliest when a manually resolved finding is reopened",
      previous: { state: "resolved" as const, runningSince: t("07:00") },
      detected: t("11:00"),
      expected: t("07:00"),
    },
    { name: "is new on a created finding", previous: undefined, detected: t("06:00"), expected: t("06:00") },
  ])("$name", ({ previous, detected, expected }) => {
    const prev = previous ? { ...finding(), ...previous } : undefined;
    const { transitions } = reconcile({
      detections: [{ ...detection(), runningSince: detected }],
      previous: prev ? [prev] : [],
    });
    expect(transitions[0]!.finding.runningSince).toEqual(expected);
  });

  it("leaves runningSince out when nothing reported a start", () => {
    const { transitions } = reconcile({ detections: [{ identity: identity(), details: details() }] });
    expect("runningSince" in transitions[0]!.finding).toBe(false);
  });
});

describe("reconcileFindings: scenarios", () => {
  it("keeps one finding across an image upgrade that keeps the CVE (new digest, same package and CVE)", () => {
    const before = finding({ state: "confirmed", details: details() });
    const upgraded = details({
      imageDigest: `sha256:${"c".repeat(64)}`,
      image: "registry.example.com/shop/api:2.0",
      packageVersion: "3.0.13-1~deb12u1",
      purl: "pkg:deb/debian/openssl@3.0.13-1~deb12u1?arch=amd64&distro=debian-12",
      layerDigest: `sha256:${"2".repeat(64)}`,
      fixedVersion: "3.0.14-1~deb12u1",
      severity: { level: "medium", source: "distribution", raw: "medium" },
    });
    const { transitions, history } = reconcile({
      previous: [before],
      detections: [{ identity: identity(), details: upgraded, runningSince: t("11:30") }],
    });
    expect(transitions).toEqual([
      {
        kind: "still-detected",
        key: findingKey(identity()),
        previous: before,
        history: [],
        finding: { ...before, details: upgraded, lastSeen: now, runningSince: t("07:00") },
      },
    ]);
    expect(history).toEqual([]);
  });

  it("leaves the findings of a workload whose image failed open while the others resolve", () => {
    const web = { workloadName: "web" };
    const previous = [
      finding({ identity: web }),
      finding({ identity: { ...web, advisoryId: "CVE-2023-0464" }, state: "confirmed" }),
      finding({ identity: { workloadName: "api" } }),
      finding({ identity: { namespace: "billing", workloadName: "ledger" } }),
    ];
    const { transitions, counts } = reconcile({
      previous,
      coverage: coverage({
        uncovered: [
          { namespace: "shop", workloadKind: "Deployment", workloadName: "web", containerName: "app" },
        ],
      }),
    });
    expect(
      transitions.map((t) => [
        t.finding.identity.namespace,
        t.finding.identity.workloadName,
        t.finding.identity.advisoryId,
        t.kind,
        t.finding.state,
      ]),
    ).toEqual([
      ["billing", "ledger", "CVE-2023-5678", "resolved", "resolved"],
      ["shop", "api", "CVE-2023-5678", "resolved", "resolved"],
      ["shop", "web", "CVE-2023-0464", "unchanged-not-covered", "confirmed"],
      ["shop", "web", "CVE-2023-5678", "unchanged-not-covered", "detected"],
    ]);
    expect(counts).toEqual({
      created: 0,
      "still-detected": 0,
      reopened: 0,
      resolved: 2,
      "no-longer-detected": 0,
      "unchanged-not-covered": 2,
    });
  });

  it("complete scan of namespaces [a] resolves in a only, never in b", () => {
    const previous = [finding({ identity: { namespace: "a" } }), finding({ identity: { namespace: "b" } })];
    const { transitions } = reconcile({ previous, coverage: coverage({ scope: { namespaces: ["a"] } }) });
    expect(transitions.map((t) => `${t.finding.identity.namespace} ${t.kind} ${t.gap ?? ""}`)).toEqual([
      "a resolved ",
      "b unchanged-not-covered namespace-not-in-scope",
    ]);
  });

  it("a partial scan still creates and updates what it detected, and resolves nothing", () => {
    const { counts } = reconcile({
      coverage: coverage({ status: "partial" }),
      previous: [finding(), finding({ identity: { advisoryId: "CVE-2024-0001" } })],
      detections: [detection(), detection({ identity: { advisoryId: "CVE-2024-0002" } })],
    });
    expect(counts).toEqual({
      created: 1,
      "still-detected": 1,
      reopened: 0,
      resolved: 0,
      "no-longer-detected": 0,
      "unchanged-not-covered": 1,
    });
  });

  it("sorts transitions and history by identity whatever the input order, and does not touch the input", () => {
    const previous = [
      finding({ identity: { workloadName: "zeta" } }),
      finding({ identity: { workloadName: "alpha" }, state: "resolved" }),
      finding({ identity: { namespace: "aaa" } }),
    ].map((f) => Object.freeze(f));
    const detections = [
      detection({ identity: { workloadName: "mid" } }),
      detection({ identity: { workloadName: "alpha" } }),
    ].map((d) => Object.freeze(d));
    const input = { previous: Object.freeze(previous), detections: Object.freeze(detections) };
    const forward = reconcile(input);
    const backward = reconcile({ previous: [...previous].reverse(), detections: [...detections].reverse() });
    expect(backward).toEqual(forward);
    expect(
      forward.transitions.map(
        (t) => `${t.finding.identity.namespace}/${t.finding.identity.workloadName} ${t.kind}`,
      ),
    ).toEqual(["aaa/api resolved", "shop/alpha reopened", "shop/mid created", "shop/zeta resolved"]);
    expect(
      forward.history.map((e) => `${e.identity.namespace}/${e.identity.workloadName} ${change(e)}`),
    ).toEqual([
      "aaa/api detected -> resolved",
      "shop/alpha resolved -> detected",
      "shop/mid (new) -> detected",
      "shop/zeta detected -> resolved",
    ]);
  });
});

describe("reconcileFindings: one cluster at a time", () => {
  it.each([
    {
      name: "a previous finding of another cluster",
      input: { previous: [finding(), finding({ identity: { clusterId: "staging" } })] },
      problem: "other-cluster",
    },
    {
      name: "a detection of another cluster",
      input: { detections: [detection({ identity: { clusterId: "staging" } })] },
      problem: "other-cluster",
    },
    {
      name: "a finding given twice",
      input: { previous: [finding(), finding()] },
      problem: "duplicate-finding",
    },
    {
      name: "a detection given twice",
      input: { detections: [detection(), detection()] },
      problem: "duplicate-detection",
    },
  ])("refuses $name, touching nothing", ({ input, problem }) => {
    let error: unknown;
    try {
      reconcile(input);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(FindingsInputError);
    expect((error as FindingsInputError).problem).toBe(problem);
  });

  it("names the cluster mix-up in the message", () => {
    expect(() => reconcile({ previous: [finding({ identity: { clusterId: "staging" } })] })).toThrow(
      /belongs to cluster "staging", not "prod-eu"/,
    );
  });

  it("resolves a finding of this cluster while the same identity in another cluster is not given", () => {
    // The same workload and CVE in another cluster is another finding: reconciling prod-eu
    // (with nothing detected) resolves prod-eu's only.
    const { transitions } = reconcile({ previous: [finding()] });
    expect(transitions.map((t) => [t.finding.identity.clusterId, t.kind])).toEqual([[CLUSTER, "resolved"]]);
  });
});
