import { describe, expect, it } from "vitest";
import { GitlabReportInputError } from "./gitlab-report-input.js";
import { capText, gitlabTimestamp } from "./gitlab-text.js";

describe("capText", () => {
  it("keeps text that fits, counting code points as JSON Schema's maxLength does", () => {
    expect(capText("abc", 3)).toBe("abc");
    // Three astral characters are six UTF-16 units but three code points.
    expect(capText("😀😀😀", 3)).toBe("😀😀😀");
  });

  it("cuts longer text to exactly the limit, ending with an ellipsis, never inside a surrogate pair", () => {
    expect(capText("abcdef", 4)).toBe("abc…");
    const cut = capText("😀😀😀😀", 3);
    expect(cut).toBe("😀😀…");
    expect([...cut]).toHaveLength(3);
    expect(capText("ab", 1)).toBe("…");
  });
});

describe("gitlabTimestamp", () => {
  it("writes UTC without fraction or zone, dropping (not rounding) milliseconds", () => {
    expect(gitlabTimestamp(new Date("2024-06-03T10:16:02.999Z"), "end time")).toBe("2024-06-03T10:16:02");
    expect(gitlabTimestamp(new Date("2024-06-03T12:16:02+02:00"), "end time")).toBe("2024-06-03T10:16:02");
  });

  it("refuses dates the pattern cannot express", () => {
    expect(() => gitlabTimestamp(new Date(Number.NaN), "start time")).toThrow(GitlabReportInputError);
    expect(() => gitlabTimestamp(new Date("+010000-01-01T00:00:00Z"), "start time")).toThrow(/0000-9999/);
  });
});
