/**
 * Shape comparison with reports GitLab is known to accept: the real Trivy container scanning
 * report (trivy/alpine-310.gitlab.golden) and the synthetic cluster report derived from it.
 * Every field path they use must be in ours, except the deliberate differences listed here.
 */
import { describe, expect, it } from "vitest";
import { readTestdataJson } from "./test-support/gitlab-schemas.js";

/** Every path of a JSON value, with array indices written `[]`. */
function paths(value: unknown, prefix = ""): Set<string> {
  const out = new Set<string>();
  if (Array.isArray(value)) {
    out.add(prefix);
    for (const item of value) for (const p of paths(item, `${prefix}[]`)) out.add(p);
  } else if (value !== null && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) {
      const path = prefix ? `${prefix}.${key}` : key;
      out.add(path);
      for (const p of paths(child, path)) out.add(p);
    }
  }
  return out;
}

/** What Trivy writes and Vigil deliberately does not. */
const LEFT_OUT = new Map([
  // Optional; Vigil has no home page to point to yet and will not write a made-up URL.
  ["scan.scanner.url", "no project URL yet"],
  // Optional; always empty in Trivy's output. Vigil cannot produce a valid diff for an image.
  ["remediations", "no remediation diffs for images"],
]);

/** What Vigil writes beyond Trivy (all allowed by 15.0.7). */
const ADDED = ["vulnerabilities[].cvss_vectors", "vulnerabilities[].details"];

describe("shape compared with Trivy's GitLab reports", () => {
  it.each([
    ["trivy/alpine-310.gitlab.golden", "container-scanning.golden.json"],
    ["trivy/cluster-image-scanning-15.0.7-from-trivy-alpine-310.json", "cluster-image-scanning.golden.json"],
  ])("%s uses no field that %s lacks, except the deliberate ones", (theirsFile, oursFile) => {
    const theirs = paths(readTestdataJson(theirsFile));
    const ours = paths(readTestdataJson(oursFile));
    const missing = [...theirs].filter((p) => !ours.has(p) && !LEFT_OUT.has(p));
    expect(missing).toEqual([]);
    for (const added of ADDED) expect(ours.has(added) && !theirs.has(added)).toBe(true);
  });
});
