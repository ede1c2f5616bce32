import { compareSeverity, type SeverityLevel } from "@vigil/core";
import type { NotificationEvent } from "./notification-event.js";

/**
 * The event as one webhook is to see it, or undefined when nothing of it concerns the webhook:
 * `findings.new` keeps only findings (and counts) at or above `minSeverity`, and
 * `advisory.affects` only advisories at or above it. KEV, failed scans and pings are sent
 * whatever the severity: a KEV-listed vulnerability is being exploited, whatever its score.
 */
export function eventForWebhook(
  event: NotificationEvent,
  minSeverity: SeverityLevel,
): NotificationEvent | undefined {
  const atLeast = (level: SeverityLevel) => compareSeverity(level, minSeverity) >= 0;
  if (event.type === "findings.new") {
    const counts = Object.fromEntries(
      Object.entries(event.counts).filter(([level]) => atLeast(level as SeverityLevel)),
    );
    if (Object.values(counts).every((n) => !n)) return undefined;
    return { ...event, counts, findings: event.findings.filter((f) => atLeast(f.severity)) };
  }
  if (event.type === "advisory.affects") {
    const advisories = event.advisories.filter((a) => atLeast(a.severity));
    if (advisories.length === 0) return undefined;
    return { ...event, advisories };
  }
  return event;
}
