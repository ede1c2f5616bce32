import { readFileSync } from "node:fs";
import { join } from "node:path";
import AjvModule, { type ErrorObject } from "ajv";
import addFormatsModule from "ajv-formats";
import { beforeAll, describe, expect, it } from "vitest";
import type { Match } from "../../model/match.js";
import { applySuppressions } from "../../suppress/apply-suppressions.js";
import { parseIgnoreFile } from "../../suppress/parse-ignore-file.js";
import { IMAGE, type VulnerableImage, vulnerableImage } from "../test-support/vulnerable-image.js";
import { renderSarif, SARIF_FINGERPRINT_KEY, SARIF_SCHEMA_URI } from "./render-sarif.js";

// ajv and ajv-formats are CommonJS: under NodeNext the default import is `module.exports`,
// whose `default` property is the class / plugin.
const Ajv = (AjvModule as unknown as { default: typeof AjvModule.default }).default;
const addFormats = (addFormatsModule as unknown as { default: typeof addFormatsModule.default }).default;

const testdata = join(import.meta.dirname, "testdata");
const now = new Date("2026-01-02T03:04:05Z");

/**
 * The official schema is draft-04, which Ajv 8 has no class for. The keywords it uses
 * (type, properties, required, enum, pattern, minimum, items, uniqueItems, anyOf, oneOf,
 * additionalProperties, format, $ref) mean the same in draft-07, Ajv's default; only the
 * draft-04 `id` becomes `$id`, and `$schema` is dropped so Ajv does not look for the draft-04
 * meta-schema. The schema file itself stays byte-for-byte the vendored one.
 */
function sarifValidator() {
  const schema = JSON.parse(readFileSync(join(testdata, "sarif-schema-2.1.0.json"), "utf8"));
  expect(schema.$schema).toBe("http://json-schema.org/draft-04/schema#");
  expect(schema.id).toBe(SARIF_SCHEMA_URI);
  const { $schema: _draft, id, ...rest } = schema;
  // strict: false: the schema puts `default` on some `items` and descriptions beside `$ref`.
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile({ $id: id, ...rest });
  return (doc: unknown): ErrorObject[] => (validate(doc) ? [] : [...(validate.errors ?? [])]);
}

describe("renderSarif", () => {
  let fixture: VulnerableImage;
  let schemaErrors: (doc: unknown) => ErrorObject[];
  beforeAll(async () => {
    fixture = await vulnerableImage();
    schemaErrors = sarifValidator();
  });
  const render = (matches: readonly Match[], extra: Partial<Parameters<typeof renderSarif>[0]> = {}) =>
    renderSarif({
      image: fixture.image,
      inventory: fixture.inventory,
      matches,
      tool: { version: "0.1.0" },
      now,
      ...extra,
    });

  it("writes the golden document, valid against the official SARIF 2.1.0 schema", async () => {
    const ignore = parseIgnoreFile(
      "rules:\n  - id: CVE-2023-45853\n    package: zlib\n    reason: minizip is not built into zlib1g\n    dismissal: not_applicable\n",
      ".vigilignore.yaml",
    );
    expect(ignore.problems).toEqual([]);
    const { kept, suppressed } = applySuppressions({
      matches: fixture.matches,
      ignoreRules: ignore.rules,
      now,
    });
    const json = render(kept, { suppressed, category: "vigil/shop-api/" });
    expect(schemaErrors(JSON.parse(json))).toEqual([]);
    await expect(json).toMatchFileSnapshot("./testdata/vigil.sarif.json");
  });

  it("has one rule per vulnerability and one result per match, levels from severity", () => {
    const medium = {
      ...fixture.matches[0]!,
      id: "CVE-2000-0001",
      severity: { level: "medium", source: "cvss-v3" },
    };
    const doc = JSON.parse(render([...fixture.matches, medium as Match]));
    expect(schemaErrors(doc)).toEqual([]);
    const run = doc.runs[0];
    const ids = fixture.matches.map((m) => m.id);
    expect(run.tool.driver.rules.map((r: { id: string }) => r.id)).toEqual(
      [...new Set([...ids, "CVE-2000-0001"])].sort(),
    );
    expect(run.results).toHaveLength(fixture.matches.length + 1);
    const level = (id: string, pkg: string) =>
      run.results.find(
        (r: { ruleId: string; properties: { packageName: string } }) =>
          r.ruleId === id && r.properties.packageName === pkg,
      ).level;
    expect(level("CVE-2019-10744", "lodash")).toBe("error"); // critical
    expect(level("CVE-2023-4911", "libc6")).toBe("error"); // high
    expect(level("CVE-2000-0001", "lodash")).toBe("warning"); // medium
    expect(level("CVE-2023-5678", "libssl3")).toBe("note"); // low
    expect(level("CVE-2023-45853", "zlib1g")).toBe("note"); // negligible
    expect(level("CVE-2022-3715", "bash")).toBe("note"); // unknown
    for (const result of run.results) expect(run.tool.driver.rules[result.ruleIndex].id).toBe(result.ruleId);
  });

  it("gives security-severity only when a CVSS score is known, with the security tag", () => {
    const rules = JSON.parse(render(fixture.matches)).runs[0].tool.driver.rules;
    const byId = (id: string) => rules.find((r: { id: string }) => r.id === id);
    expect(byId("CVE-2019-10744").properties).toMatchObject({
      "security-severity": "9.1",
      tags: ["security", "vulnerability", "critical"],
    });
    expect(byId("CVE-2019-10744").helpUri).toBe("https://nvd.nist.gov/vuln/detail/CVE-2019-10744");
    expect(byId("CVE-2019-10744").shortDescription.text).toBe("Prototype Pollution in lodash");
    // A distribution rating has no score: no made-up number.
    expect(byId("CVE-2023-5678").properties["security-severity"]).toBeUndefined();
  });

  it("names package, installed and fixed version, and locates the file in the image with its layer", () => {
    const doc = JSON.parse(render(fixture.matches));
    const run = doc.runs[0];
    const libc = run.results.find((r: { ruleId: string }) => r.ruleId === "CVE-2023-4911");
    expect(libc.message.text).toBe(
      "libc6 2.36-9+deb12u1 (source package glibc 2.36-9+deb12u1) is affected by CVE-2023-4911 (high): " +
        "Looney Tunables: buffer overflow in ld.so GLIBC_TUNABLES processing. Fixed in glibc 2.36-9+deb12u3.",
    );
    const location = libc.locations[0];
    expect(location.physicalLocation.artifactLocation.uri).toBe("var/lib/dpkg/status");
    expect(location.properties.layerDigest).toBe(IMAGE.layers[0]!.digest);
    const artifact = run.artifacts[location.physicalLocation.artifactLocation.index];
    expect(artifact).toMatchObject({ location: { uri: "var/lib/dpkg/status" }, parentIndex: 0 });
    expect(artifact.properties.layerDigest).toBe(IMAGE.layers[0]!.digest);
    expect(run.artifacts[0].roles).toEqual(["analysisTarget"]);
    expect(run.artifacts[0].location.uri).toMatch(/^pkg:oci\/api@sha256%3A9b2a/);
    const bash = run.results.find((r: { ruleId: string }) => r.ruleId === "CVE-2022-3715");
    expect(bash.message.text).toMatch(/No fixed version is known yet\.$/);
    const zlib = run.results.find((r: { ruleId: string }) => r.ruleId === "CVE-2023-45853");
    expect(zlib.message.text).toMatch(/The distribution will not fix it\.$/);
  });

  it("keeps fingerprints across rebuilds (new digests, versions, layers) but not across packages or paths", () => {
    const fingerprints = (doc: string) =>
      new Map<string, string>(
        JSON.parse(doc).runs[0].results.map(
          (r: {
            ruleId: string;
            properties: { packageName: string };
            partialFingerprints: Record<string, string>;
          }) => [`${r.ruleId} ${r.properties.packageName}`, r.partialFingerprints[SARIF_FINGERPRINT_KEY]],
        ),
      );
    const before = fingerprints(render(fixture.matches));
    const rebuilt = fixture.matches.map((m) => ({
      ...m,
      package: {
        ...m.package,
        version: `${m.package.version}.1`,
        location: { ...m.package.location, layerDigest: `sha256:${"e".repeat(64)}`, layerIndex: 3 },
      },
    }));
    const after = fingerprints(
      render(rebuilt, { image: { ...IMAGE, manifestDigest: `sha256:${"d".repeat(64)}` }, now: new Date() }),
    );
    expect(after).toEqual(before);
    // Without a repository, the reference minus tag and digest identifies the image.
    const local = (reference: string) => {
      const { repository: _, ...image } = IMAGE;
      return fingerprints(render(fixture.matches, { image: { ...image, reference } }));
    };
    expect(local("localhost:5000/shop/api:1.4.2")).toEqual(
      local(`localhost:5000/shop/api:1.5.0@sha256:${"a".repeat(64)}`),
    );
    expect(local("localhost:5000/shop/api:1.4.2")).not.toEqual(local("localhost:5000/shop/web:1.4.2"));
    expect(new Set(before.values()).size).toBe(before.size);
    const moved = fixture.matches.map((m) => ({
      ...m,
      package: { ...m.package, location: { ...m.package.location, path: "/usr/lib/other" } },
    }));
    const elsewhere = fingerprints(render(moved));
    for (const [key, value] of before) expect(elsewhere.get(key)).not.toBe(value);
  });

  it("is byte-identical whatever the order of the matches", () => {
    expect(render([...fixture.matches].reverse())).toBe(render(fixture.matches));
  });

  it("writes suppressed matches with an accepted external suppression", () => {
    const ignore = parseIgnoreFile(
      "rules:\n  - id: DSA-5532-1\n    reason: DH parameters come only from our own config\n",
      "ci/.vigilignore.yaml",
    );
    const { kept, suppressed } = applySuppressions({
      matches: fixture.matches,
      ignoreRules: ignore.rules,
      now,
    });
    const results = JSON.parse(render(kept, { suppressed })).runs[0].results;
    const dismissed = results.filter((r: { suppressions?: unknown[] }) => r.suppressions);
    expect(dismissed).toHaveLength(2); // libssl3 and openssl, through the DSA alias
    expect(dismissed[0].suppressions).toEqual([
      {
        kind: "external",
        status: "accepted",
        justification: "DH parameters come only from our own config",
        properties: {
          suppressedBy: "ignore-rule",
          dismissal: "acceptable_risk",
          file: "ci/.vigilignore.yaml",
          line: 2,
        },
      },
    ]);
  });

  it("the schema check rejects broken documents", () => {
    const valid = JSON.parse(render(fixture.matches));
    expect(schemaErrors(valid)).toEqual([]);
    const broken = (mutate: (doc: typeof valid) => void) => {
      const doc = structuredClone(valid);
      mutate(doc);
      return schemaErrors(doc).map((e) => `${e.instancePath} ${e.message}`);
    };
    expect(broken((d) => delete d.runs[0].results[0].message)).toContain(
      "/runs/0/results/0 must have required property 'message'",
    );
    expect(broken((d) => (d.runs[0].results[0].level = "critical"))).toContain(
      "/runs/0/results/0/level must be equal to one of the allowed values",
    );
    expect(broken((d) => (d.version = "2.0.0"))).toContain(
      "/version must be equal to one of the allowed values",
    );
    expect(broken((d) => (d.runs[0].tool.driver.rules[0].helpUri = "not a uri"))).toContain(
      '/runs/0/tool/driver/rules/0/helpUri must match format "uri"',
    );
    expect(broken((d) => (d.runs[0].results[0].partialFingerprints.x = 1))).toContain(
      "/runs/0/results/0/partialFingerprints/x must be string",
    );
    expect(broken((d) => (d.runs[0].results[0].severity = "high")).length).toBeGreaterThan(0);
  });
});
