import { describe, expect, it } from "vitest";
import { eventForWebhook } from "./event-for-webhook.js";
import type { AdvisoryAffectsEvent, FindingsNewEvent, NotifiedFinding } from "./notification-event.js";
import { parseRetryAfter, retryDelayMs } from "./retry-policy.js";
import { escapeMrkdwn, slackPayload } from "./slack-payload.js";
import { webhookUrlProblem } from "./webhook-url.js";

const finding = (fields: Partial<NotifiedFinding>): NotifiedFinding => ({
  change: "created",
  id: "f1",
  advisoryId: "CVE-2024-0001",
  aliases: [],
  severity: "critical",
  kev: false,
  clusterId: "prod",
  namespace: "shop",
  workloadKind: "Deployment",
  workloadName: "web",
  containerName: "app",
  packageName: "openssl",
  installedVersion: "3.0.13-1",
  image: "registry.local/shop/web:1",
  imageDigest: "sha256:1",
  ...fields,
});

const findingsNew: FindingsNewEvent = {
  type: "findings.new",
  id: "e1",
  at: "2024-06-01T00:00:00.000Z",
  scanId: "s1",
  clusterId: "prod",
  counts: { critical: 1, medium: 2 },
  findings: [
    finding({}),
    finding({ id: "f2", severity: "medium" }),
    finding({ id: "f3", severity: "medium" }),
  ],
};

const affects = (advisoryId: string, aliases: string[]): AdvisoryAffectsEvent => ({
  type: "advisory.affects",
  id: "e2",
  at: "2024-06-01T00:00:00.000Z",
  revision: "r",
  totalAdvisories: 1,
  advisories: [
    { advisoryId, aliases, severity: "high", kev: true, findings: 20, workloads: 12, clusters: 3 },
  ],
});

describe("webhook payloads", () => {
  it("keep only what is at or above the webhook's severity; KEV and failures always go", () => {
    expect(eventForWebhook(findingsNew, "high")).toMatchObject({
      counts: { critical: 1 },
      findings: [{ id: "f1" }],
    });
    expect(eventForWebhook(findingsNew, "unknown")).toEqual(findingsNew);
    expect(eventForWebhook({ ...findingsNew, counts: { medium: 2 }, findings: [] }, "high")).toBeUndefined();
    expect(eventForWebhook(affects("CVE-1", []), "critical")).toBeUndefined();
    const kev = {
      type: "finding.kev",
      id: "e3",
      at: "x",
      total: 1,
      findings: [finding({ severity: "low", kev: true })],
    } as const;
    expect(eventForWebhook(kev, "critical")).toBe(kev);
  });

  it("for Slack: { text, blocks } in mrkdwn, untrusted text escaped, the CVE named in advisory.affects", () => {
    const hostile = finding({
      advisoryId: "CVE-2024-0001 <!channel>",
      packageName: "evil & <http://phish.example|click>",
    });
    const body = JSON.parse(slackPayload({ ...findingsNew, findings: [hostile], counts: { critical: 1 } }));
    expect(body.text).toBe("1 new finding in cluster prod (1 critical)");
    expect(body.blocks[1].text.type).toBe("mrkdwn");
    expect(body.blocks[1].text.text).toContain("*CVE-2024-0001 &lt;!channel&gt;*");
    expect(body.blocks[1].text.text).toContain("evil &amp; &lt;http://phish.example|click&gt;");
    expect(JSON.stringify(body)).not.toContain("<!channel>");
    expect(escapeMrkdwn("a<b>&c")).toBe("a&lt;b&gt;&amp;c");

    expect(JSON.parse(slackPayload(affects("GHSA-xxxx-yyyy-zzzz", ["CVE-2024-1234"]))).text).toBe(
      "*CVE-2024-1234* (high, KEV) now affects 12 workloads in 3 clusters",
    );
    const many = JSON.parse(
      slackPayload({
        ...findingsNew,
        counts: { critical: 30 },
        findings: Array.from({ length: 20 }, () => finding({})),
      }),
    );
    expect(many.blocks[1].text.text.split("\n")).toHaveLength(11);
    expect(many.blocks[1].text.text).toMatch(/… and 20 more$/);
  });

  it("retry with exponential backoff and equal jitter, capped, and Retry-After when it asks for longer", () => {
    const policy = { maxAttempts: 8, baseDelayMs: 1_000, maxDelayMs: 60_000 };
    expect(retryDelayMs(policy, 1, undefined, () => 0)).toBe(500);
    expect(retryDelayMs(policy, 1, undefined, () => 1)).toBe(1_000);
    expect(retryDelayMs(policy, 4, undefined, () => 0)).toBe(4_000);
    expect(retryDelayMs(policy, 20, undefined, () => 1)).toBe(60_000);
    expect(retryDelayMs(policy, 1, 30_000, () => 0)).toBe(30_000);
    expect(retryDelayMs(policy, 1, 3_600_000, () => 0)).toBe(60_000);
    const now = new Date("2024-06-01T00:00:00.000Z");
    expect(parseRetryAfter("120", now)).toBe(120_000);
    expect(parseRetryAfter("Sat, 01 Jun 2024 00:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it("accept http(s) URLs without credentials, within the allow-list when there is one", () => {
    expect(webhookUrlProblem("https://hooks.slack.com/services/T/B/X")).toBeUndefined();
    expect(webhookUrlProblem("http://alerts.monitoring.svc:8080/vigil")).toBeUndefined();
    expect(webhookUrlProblem("file:///etc/passwd")).toMatch(/scheme must be http or https, not file/);
    expect(webhookUrlProblem("https://u:p@example.com/")).toMatch(/credentials/);
    expect(webhookUrlProblem("https://example.com/#x")).toMatch(/fragment/);
    const policy = { allowedHosts: ["hooks.slack.com", "*.internal.example"] };
    expect(webhookUrlProblem("https://hooks.slack.com/services/x", policy)).toBeUndefined();
    expect(webhookUrlProblem("https://alerts.internal.example/x", policy)).toBeUndefined();
    expect(webhookUrlProblem("https://internal.example.evil.com/x", policy)).toMatch(/not among the allowed/);
    expect(webhookUrlProblem("http://169.254.169.254/latest/meta-data", policy)).toMatch(
      /not among the allowed/,
    );
  });
});
