import { describe, expect, it } from "vitest";
import { GITLAB_CVSS_V2_PATTERN, GITLAB_CVSS_V3_PATTERN, gitlabCvssVectors } from "./gitlab-cvss-vectors.js";
import { readTestdataJson } from "./test-support/gitlab-schemas.js";

describe("gitlabCvssVectors", () => {
  it("uses the vendored schemas' own patterns", () => {
    for (const file of [
      "gitlab-schemas/container-scanning-report-format-15.0.7.json",
      "gitlab-schemas/cluster-image-scanning-report-format-15.0.7.json",
    ]) {
      // biome-ignore lint/suspicious/noExplicitAny: a path into a JSON Schema document.
      const schema = readTestdataJson(file) as any;
      const forms: { properties: { vector: { pattern: string } } }[] =
        schema.properties.vulnerabilities.items.properties.cvss_vectors.items.oneOf;
      expect(forms.map((f) => f.properties.vector.pattern)).toEqual([
        GITLAB_CVSS_V2_PATTERN,
        GITLAB_CVSS_V3_PATTERN,
      ]);
    }
  });

  it("keeps CVSS v3.x and v2 vectors, reducing NVD's v2 spellings to the bare form", () => {
    const v3 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
    expect(gitlabCvssVectors({ level: "critical", source: "cvss-v3", vector: v3 })).toEqual([
      { vendor: "unknown", vector: v3 },
    ]);
    for (const v2 of [
      "AV:N/AC:L/Au:N/C:P/I:P/A:P",
      "(AV:N/AC:L/Au:N/C:P/I:P/A:P)",
      "CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P",
    ]) {
      expect(gitlabCvssVectors({ level: "high", source: "cvss-v2", vector: v2 })).toEqual([
        { vendor: "unknown", vector: "AV:N/AC:L/Au:N/C:P/I:P/A:P" },
      ]);
    }
  });

  it("leaves out what 15.0.7 would reject: CVSS v4, garbage, no vector", () => {
    const v4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
    expect(gitlabCvssVectors({ level: "critical", source: "cvss-v4", vector: v4 })).toBeUndefined();
    expect(gitlabCvssVectors({ level: "high", source: "database", vector: "CVSS:3.1/AV:N" })).toBeUndefined();
    expect(gitlabCvssVectors({ level: "high", source: "database" })).toBeUndefined();
  });
});
