import { Cron } from "croner";

/**
 * Cadences are cron expressions evaluated by croner. Vigil's rules, matching GitLab's (docs:
 * user/application_security/policies/scan_execution_policies.md, "Cadence", and topics/cron):
 * - exactly five fields (minute hour day-of-month month day-of-week); croner's six- and
 *   seven-field forms (seconds, years) are refused;
 * - names (`MON-FRI`, `JAN`), `L`, `W`, `?` and the nth weekday (`1#2`, GitLab's "2nd Monday");
 * - the nicknames `@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly`;
 * - day-of-month and day-of-week combine with OR when both are restricted, as in Vixie cron;
 * - fugit's modulo extension (`sun%2`) and robfig's `@every` are refused with a hint.
 *
 * Daylight saving time follows Vixie cron (croner's `fixedTimeRule: "no-wildcard"`): a job whose
 * minute and hour fields have no wildcard or step runs once when its local time is skipped (at
 * the first valid time after the gap) and once when its local time occurs twice; other jobs
 * run at every real instant that matches.
 */

const FIELDS = [
  { name: "minute", allowed: "0-59" },
  { name: "hour", allowed: "0-23" },
  { name: "day of month", allowed: "1-31, L or W" },
  { name: "month", allowed: "1-12 or JAN-DEC" },
  { name: "day of week", allowed: "0-7 or SUN-SAT, with L or #n" },
] as const;

const NICKNAMES = new Set(["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"]);

/** A fixed instant from which "does this cadence ever fire?" is asked, so validation is deterministic. */
const PROBE_FROM = new Date(Date.UTC(2000, 0, 1));

/** Why a cadence is refused, and where in its text. */
export interface CadenceProblem {
  readonly reason: string;
  /** 0-based offset of the offending field in the cadence text (0 when about the whole text). */
  readonly offset: number;
}

/** A cadence or time zone that cannot be evaluated; `cause` is croner's or Intl's error, if any. */
export class CadenceError extends Error {
  override readonly name = "CadenceError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Check a cadence; `undefined` when it is valid and fires at least once. */
export function checkCadence(cadence: string): CadenceProblem | undefined {
  const text = cadence.trim();
  const lead = cadence.length - cadence.trimStart().length;
  if (text === "")
    return { reason: "the cadence is empty: write five cron fields, e.g. '0 2 * * *'", offset: 0 };
  if (text.startsWith("@")) {
    if (/^@every\b/i.test(text)) {
      return {
        reason:
          "'@every' intervals are not supported: write a cron expression, e.g. '0 */6 * * *' for every six hours",
        offset: lead,
      };
    }
    if (!NICKNAMES.has(text.toLowerCase())) {
      return { reason: `unknown nickname '${text}': use one of ${[...NICKNAMES].join(", ")}`, offset: lead };
    }
    return undefined;
  }
  const fields = splitFields(cadence);
  if (fields.length !== 5) {
    return {
      reason: `a cadence has five fields (minute hour day-of-month month day-of-week), this one has ${fields.length}`,
      offset: lead,
    };
  }
  for (const [i, field] of fields.entries()) {
    if (field.text.includes("%")) {
      return {
        reason: `the ${FIELDS[i]!.name} field '${field.text}' uses fugit's modulo extension, which is not supported: list the values instead`,
        offset: field.offset,
      };
    }
  }
  let cron: Cron;
  try {
    cron = compile(text, "UTC");
  } catch (error) {
    // Find the field at fault by compiling it alone, the others set to '*'.
    for (const [i, field] of fields.entries()) {
      const probe = fields.map((f, j) => (j === i ? f.text : "*")).join(" ");
      try {
        compile(probe, "UTC");
      } catch {
        const { name, allowed } = FIELDS[i]!;
        return {
          reason: `the ${name} field '${field.text}' is not valid (allowed: ${allowed})`,
          offset: field.offset,
        };
      }
    }
    return { reason: `the cadence is not valid: ${croneReason(error)}`, offset: lead };
  }
  if (cron.nextRun(PROBE_FROM) === null) {
    return { reason: `the cadence '${text}' never fires (no such date)`, offset: lead };
  }
  return undefined;
}

/** Check an IANA time zone name; returns the reason when it is not one. */
export function checkTimeZone(timezone: string): string | undefined {
  // Intl also takes offsets such as "+01:00" on newer Node versions; a policy names a zone.
  if (!/^[A-Za-z]/.test(timezone)) {
    return `'${timezone}' is not an IANA time zone name (e.g. 'Europe/Berlin', 'UTC')`;
  }
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
    return undefined;
  } catch {
    return `unknown time zone '${timezone}': use an IANA time zone name (e.g. 'Europe/Berlin', 'UTC')`;
  }
}

/**
 * The first time strictly after `after` at which `cadence` fires in `timezone`; `undefined`
 * when it never fires again. Throws {@link CadenceError} for a cadence or time zone that
 * {@link checkCadence} / {@link checkTimeZone} refuse (policies are checked when parsed, so
 * this is a programming or storage error, not bad input).
 */
export function nextRun(cadence: string, timezone: string, after: Date): Date | undefined {
  const problem = checkCadence(cadence);
  if (problem !== undefined) throw new CadenceError(`cadence '${cadence}': ${problem.reason}`);
  const zoneProblem = checkTimeZone(timezone);
  if (zoneProblem !== undefined) throw new CadenceError(zoneProblem);
  let cron: Cron;
  try {
    cron = compile(cadence.trim(), timezone);
  } catch (error) {
    throw new CadenceError(`cadence '${cadence}' in ${timezone}: ${croneReason(error)}`, { cause: error });
  }
  return cron.nextRun(after) ?? undefined;
}

function compile(pattern: string, timezone: string): Cron {
  // No job function: croner only computes times and starts no timer.
  return new Cron(pattern, {
    paused: true,
    mode: "5-part",
    domAndDow: false,
    fixedTimeRule: "no-wildcard",
    timezone,
  });
}

function splitFields(text: string): { text: string; offset: number }[] {
  return [...text.matchAll(/\S+/g)].map((m) => ({ text: m[0], offset: m.index }));
}

function croneReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^CronPattern:\s*/, "");
}
