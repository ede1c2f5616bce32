import type { NotificationEvent, NotifiedFinding } from "./notification-event.js";

/** Items listed in a Slack message (the event may carry more; the message says how many). */
const SLACK_LIST_LIMIT = 10;

/** Slack refuses a section whose text is longer (https://api.slack.com/reference/block-kit/blocks#section). */
const SLACK_SECTION_MAX = 3000;

/**
 * Escapes text for Slack's mrkdwn: `&`, `<` and `>` are its control characters
 * (https://api.slack.com/reference/surfaces/formatting#escaping). Everything that comes from
 * advisories, images or clusters goes through this: an advisory id or package name could
 * otherwise mention `<!channel>` or forge a link.
 */
export function escapeMrkdwn(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/**
 * The `slack` format: `{ text, blocks }`, what a Slack incoming webhook accepts
 * (https://api.slack.com/messaging/webhooks). `text` is the one-line summary (notifications,
 * clients without blocks); the blocks add the list.
 */
export function slackPayload(event: NotificationEvent): string {
  const { text, lines } = slackMessage(event);
  const blocks: unknown[] = [{ type: "section", text: { type: "mrkdwn", text: clip(text) } }];
  if (lines.length > 0)
    blocks.push({ type: "section", text: { type: "mrkdwn", text: clip(lines.join("\n")) } });
  return JSON.stringify({ text, blocks });
}

function slackMessage(event: NotificationEvent): { text: string; lines: string[] } {
  const e = escapeMrkdwn;
  switch (event.type) {
    case "findings.new": {
      const total = Object.values(event.counts).reduce((sum, n) => sum + (n ?? 0), 0);
      const bySeverity = Object.entries(event.counts)
        .filter(([, n]) => n)
        .map(([level, n]) => `${n} ${level}`)
        .join(", ");
      return {
        text: `${total} new ${plural(total, "finding")} in cluster ${e(event.clusterId)} (${bySeverity})`,
        lines: listed(event.findings, total, findingLine),
      };
    }
    case "finding.kev":
      return {
        text: `:rotating_light: ${event.total} ${plural(event.total, "finding")} listed in CISA's Known Exploited Vulnerabilities catalog`,
        lines: listed(event.findings, event.total, findingLine),
      };
    case "scan.failed":
      return {
        text:
          `Scan ${e(event.scanId)} of cluster ${e(event.clusterId)} ${event.status === "failed" ? "failed" : "was partial"}` +
          (event.error ? `: ${e(event.error)}` : ""),
        lines: listed(
          event.failures,
          event.failureCount,
          (f) => `• ${e(f.scope)} ${e(f.subject)}: ${e(f.reason)}`,
        ),
      };
    case "advisory.affects": {
      const lines = event.advisories.map((a) => `• ${affectsText(a)}`);
      const first = event.advisories[0]!;
      return {
        text:
          event.advisories.length === 1
            ? affectsText(first)
            : `${event.totalAdvisories} advisories now affect running workloads; ${affectsText(first)}`,
        lines: listed(lines, event.totalAdvisories, (line) => line),
      };
    }
    case "ping":
      return {
        text: `Vigil webhook test (${e(event.webhookId)}): this endpoint receives Vigil's notifications`,
        lines: [],
      };
  }
}

/** "CVE-2024-1234 now affects 12 workloads in 3 clusters" (the CVE alias when the id is another). */
function affectsText(a: {
  advisoryId: string;
  aliases: readonly string[];
  severity: string;
  kev: boolean;
  workloads: number;
  clusters: number;
}): string {
  const cve = a.advisoryId.startsWith("CVE-")
    ? a.advisoryId
    : (a.aliases.find((x) => x.startsWith("CVE-")) ?? a.advisoryId);
  return (
    `*${escapeMrkdwn(cve)}* (${escapeMrkdwn(a.severity)}${a.kev ? ", KEV" : ""}) now affects ` +
    `${a.workloads} ${plural(a.workloads, "workload")} in ${a.clusters} ${plural(a.clusters, "cluster")}`
  );
}

function findingLine(f: NotifiedFinding | (Omit<NotifiedFinding, "change"> & { change: string })): string {
  const e = escapeMrkdwn;
  return (
    `• *${e(f.advisoryId)}* ${e(f.severity)}${f.kev ? " KEV" : ""}: ${e(f.packageName)} ${e(f.installedVersion)}` +
    `${f.fixedVersion ? ` (fixed in ${e(f.fixedVersion)})` : ""} in ${e(f.image)}, ` +
    `${e(f.workloadKind)}/${e(f.workloadName)} (${e(f.namespace)}) on ${e(f.clusterId)}`
  );
}

function listed<T>(items: readonly T[], total: number, line: (item: T) => string): string[] {
  const lines = items.slice(0, SLACK_LIST_LIMIT).map(line);
  const shown = Math.min(items.length, SLACK_LIST_LIMIT);
  if (total > shown) lines.push(`… and ${total - shown} more`);
  return lines;
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}

function clip(text: string): string {
  return text.length <= SLACK_SECTION_MAX ? text : `${text.slice(0, SLACK_SECTION_MAX - 1)}…`;
}
