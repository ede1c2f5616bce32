import { CliError } from "./cli-error.js";

const UNITS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

/**
 * A duration flag's value in milliseconds: a whole number with a unit, `45s`, `90m` or `2h`
 * (a bare number is minutes). Anything else is refused naming the flag.
 */
export function parseDurationOption(flag: string, text: string): number {
  const match = /^(\d+)\s*(s|m|min|h)?$/.exec(text.trim());
  const amount = match ? Number(match[1]) : Number.NaN;
  if (!match || !Number.isSafeInteger(amount) || amount <= 0) {
    throw new CliError(
      `${flag} must be a positive duration such as 45s, 90m or 2h, not ${JSON.stringify(text)}`,
    );
  }
  return amount * UNITS[match[2] ?? "m"]!;
}
