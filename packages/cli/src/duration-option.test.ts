import { describe, expect, it } from "vitest";
import { CliError } from "./cli-error.js";
import { parseDurationOption } from "./duration-option.js";

describe("duration options", () => {
  it("read seconds, minutes and hours; a bare number is minutes", () => {
    expect(parseDurationOption("--scan-time-limit", "45s")).toBe(45_000);
    expect(parseDurationOption("--scan-time-limit", "90m")).toBe(5_400_000);
    expect(parseDurationOption("--scan-time-limit", "90min")).toBe(5_400_000);
    expect(parseDurationOption("--scan-time-limit", " 2h ")).toBe(7_200_000);
    expect(parseDurationOption("--scan-time-limit", "30")).toBe(1_800_000);
  });

  it("refuse anything else, naming the flag and the value", () => {
    for (const bad of ["", "0", "-5m", "1.5h", "2d", "h", "10 hours", "99999999999999999999"]) {
      expect(() => parseDurationOption("--scan-time-limit", bad)).toThrow(CliError);
    }
    expect(() => parseDurationOption("--scan-time-limit", "2d")).toThrow(
      '--scan-time-limit must be a positive duration such as 45s, 90m or 2h, not "2d"',
    );
  });
});
