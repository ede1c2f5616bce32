import { describe, expect, it } from "vitest";
import type { OsvAffected, OsvEvent } from "../advisory/osv-record.js";
import { evaluateAffected } from "./affects.js";
import { rangeComparatorsFor } from "./range-comparators.js";

const deb = rangeComparatorsFor("Debian:12");
const go = rangeComparatorsFor("Go");
const pypi = rangeComparatorsFor("PyPI");
const apk = rangeComparatorsFor("Alpine:v3.19");

const eco = (...events: OsvEvent[]): OsvAffected => ({ ranges: [{ type: "ECOSYSTEM", events }] });
const status = (affected: OsvAffected, version: string, c = deb) =>
  evaluateAffected(affected, version, c).status;

describe("evaluateAffected: OSV range semantics", () => {
  it("introduced 0 → fixed: every version before the fix", () => {
    const a = eco({ introduced: "0" }, { fixed: "1.2.3-4" });
    expect(status(a, "1.2.3-3")).toBe("affected");
    expect(status(a, "1:0.1")).toBe("not-affected"); // epoch 1 sorts above 1.2.3-4
    expect(status(a, "1.2.3-4")).toBe("not-affected");
    expect(status(a, "1.2.3-4+deb12u1")).toBe("not-affected");
    expect(evaluateAffected(a, "1.2.3-3", deb)).toMatchObject({
      by: { kind: "range", introduced: "0", fixed: "1.2.3-4" },
    });
  });

  it("a Debian backport (same upstream version, higher revision) is fixed, not a false positive", () => {
    const a = eco({ introduced: "0" }, { fixed: "3.0.11-1~deb12u2" });
    expect(status(a, "3.0.11-1~deb12u1")).toBe("affected");
    expect(status(a, "3.0.11-1~deb12u2")).toBe("not-affected");
    expect(status(a, "3.0.11-1~deb12u3")).toBe("not-affected");
  });

  it("no fixed event: affected with no fix", () => {
    const verdict = evaluateAffected(eco({ introduced: "0" }), "9.9", deb);
    expect(verdict).toMatchObject({ status: "affected", by: { kind: "range", introduced: "0" } });
    expect(verdict.status === "affected" && verdict.by.kind === "range" && verdict.by.fixed).toBe(undefined);
  });

  it("several introduced/fixed pairs in one range (Go style), events unsorted", () => {
    const a: OsvAffected = {
      ranges: [
        {
          type: "SEMVER",
          events: [
            { fixed: "1.21.11" },
            { introduced: "1.22.0-0" },
            { fixed: "1.22.4" },
            { introduced: "0" },
          ],
        },
      ],
    };
    expect(status(a, "v1.21.10", go)).toBe("affected");
    expect(status(a, "v1.21.11", go)).toBe("not-affected");
    expect(status(a, "v1.22.0", go)).toBe("affected");
    expect(evaluateAffected(a, "v1.22.3", go)).toMatchObject({
      by: { introduced: "1.22.0-0", fixed: "1.22.4" },
    });
    expect(status(a, "v1.22.4", go)).toBe("not-affected");
    expect(status(a, "v1.23.0", go)).toBe("not-affected");
  });

  it("last_affected: versions above it are not affected", () => {
    const a = eco({ introduced: "1.0" }, { last_affected: "2.0" });
    expect(status(a, "0.9", pypi)).toBe("not-affected");
    expect(status(a, "1.5", pypi)).toBe("affected");
    expect(status(a, "2.0", pypi)).toBe("affected");
    expect(status(a, "2.0.1", pypi)).toBe("not-affected");
    expect(evaluateAffected(a, "1.5", pypi)).toMatchObject({ by: { lastAffected: "2.0" } });
  });

  it("limit: the range applies only below a limit; * is infinity", () => {
    const a = eco({ introduced: "0" }, { limit: "2.0" });
    expect(status(a, "1.9", pypi)).toBe("affected");
    expect(status(a, "2.0", pypi)).toBe("not-affected");
    expect(status(eco({ introduced: "0" }, { limit: "*" }), "99", pypi)).toBe("affected");
    expect(status(eco({ introduced: "0" }, { limit: "1.0" }, { limit: "3.0" }), "2.5", pypi)).toBe(
      "affected",
    );
  });

  it("several ranges: affected if any range says so; GIT ranges are skipped, not the end", () => {
    const a: OsvAffected = {
      ranges: [
        {
          type: "GIT",
          repo: "https://example.org/x",
          events: [{ introduced: "abc123" }, { fixed: "def456" }],
        },
        { type: "ECOSYSTEM", events: [{ introduced: "2.0" }, { fixed: "2.1" }] },
        { type: "ECOSYSTEM", events: [{ introduced: "3.0" }, { fixed: "3.2" }] },
      ],
    };
    expect(status(a, "3.1", pypi)).toBe("affected");
    expect(evaluateAffected(a, "3.1", pypi)).toMatchObject({ by: { rangeIndex: 2, fixed: "3.2" } });
    expect(status(a, "2.5", pypi)).toBe("not-affected");
  });

  it("explicit versions lists, compared by the ecosystem's rules", () => {
    const a: OsvAffected = { versions: ["1.0.0", "1.1"] };
    expect(evaluateAffected(a, "1.0.0", pypi)).toMatchObject({
      status: "affected",
      by: { kind: "versions" },
    });
    expect(status(a, "1.1.0", pypi)).toBe("affected"); // PEP 440: 1.1 == 1.1.0
    expect(status(a, "1.2", pypi)).toBe("not-affected");
  });

  it("Alpine: a fix with an -r revision", () => {
    const a = eco({ introduced: "0" }, { fixed: "3.1.4-r5" });
    expect(status(a, "3.1.4-r4", apk)).toBe("affected");
    expect(status(a, "3.1.4-r5", apk)).toBe("not-affected");
    expect(status(a, "3.1.5-r0", apk)).toBe("not-affected");
  });

  it("an installed version that does not parse is unknown with a problem, never a silent not-affected", () => {
    const verdict = evaluateAffected(eco({ introduced: "0" }, { fixed: "1.0" }), "not a version!", pypi);
    expect(verdict.status).toBe("unknown");
    expect(verdict.problems).toEqual([
      expect.objectContaining({ code: "invalid-installed-version", value: "not a version!" }),
    ]);
  });

  it("an event version that does not parse makes that range unknown; another range can still decide", () => {
    const bad = evaluateAffected(eco({ introduced: "0" }, { fixed: "%%%" }), "1.0", pypi);
    expect(bad).toMatchObject({
      status: "unknown",
      problems: [{ code: "invalid-event-version", value: "%%%" }],
    });
    const rescued: OsvAffected = {
      ranges: [
        { type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "%%%" }] },
        { type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "2.0" }] },
      ],
    };
    expect(status(rescued, "1.0", pypi)).toBe("affected");
  });

  it("an unknown range type is reported and skipped", () => {
    const verdict = evaluateAffected(
      { ranges: [{ type: "WEIRD", events: [{ introduced: "0" }] }] },
      "1.0",
      pypi,
    );
    expect(verdict).toMatchObject({ status: "not-affected", problems: [{ code: "unsupported-range-type" }] });
  });

  it("an entry with neither ranges nor versions affects nothing", () => {
    expect(status({}, "1.0", pypi)).toBe("not-affected");
  });
});
