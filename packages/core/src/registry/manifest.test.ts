import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ManifestInvalidError, UnsupportedManifestError } from "./errors.js";
import { parseImageConfig, parseManifest } from "./manifest.js";
import { DOCKER_MANIFEST_V2, OCI_INDEX, OCI_MANIFEST } from "./media-types.js";

const ci = (p: string): Buffer => readFileSync(join(import.meta.dirname, "testdata/containers-image", p));
const where = "test";

describe("parseManifest", () => {
  it("reads an OCI manifest", () => {
    const m = parseManifest(ci("internal/image/fixtures/oci1.json"), { where });
    expect(m.kind).toBe("manifest");
    if (m.kind !== "manifest") return;
    expect(m.mediaType).toBe(OCI_MANIFEST);
    expect(m.config.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(m.layers).toHaveLength(5);
    expect(m.layers[0]!.mediaType).toBe("application/vnd.oci.image.layer.v1.tar+gzip");
  });

  it("reads Docker schema 2 (gzip, uncompressed and foreign-config variants)", () => {
    for (const f of [
      "manifest/fixtures/v2s2.everything.json",
      "manifest/fixtures/v2s2.uncompressed.manifest.json",
      "internal/image/fixtures/schema2.json",
    ]) {
      const m = parseManifest(ci(f), { where: f });
      expect(m.kind, f).toBe("manifest");
      expect(m.mediaType, f).toBe(DOCKER_MANIFEST_V2);
    }
  });

  it("reads zstd layers and an OCI manifest without mediaType (by shape)", () => {
    const z = parseManifest(ci("manifest/fixtures/ociv1.zstd.manifest.json"), { where });
    expect(z.kind === "manifest" && z.layers.every((l) => l.mediaType.endsWith("+zstd"))).toBe(true);
    const noType = parseManifest(ci("manifest/fixtures/ociv1.invalid.mediatype.manifest.json"), { where });
    expect(noType.mediaType).toBe(OCI_MANIFEST);
  });

  it("rejects Docker schema 1 with advice", () => {
    for (const f of ["manifest/fixtures/v2s1.everything.json", "internal/image/fixtures/schema1.json"]) {
      expect(() => parseManifest(ci(f), { where: f }), f).toThrow(UnsupportedManifestError);
      expect(() => parseManifest(ci(f), { where: f }), f).toThrow(
        /schema 1 is deprecated.*skopeo copy --format v2s2/,
      );
    }
    // Also when only the Content-Type says so.
    expect(() =>
      parseManifest(Buffer.from('{"name":"x"}'), {
        where,
        contentType: "application/vnd.docker.distribution.manifest.v1+prettyjws",
      }),
    ).toThrow(UnsupportedManifestError);
  });

  it("rejects OCI artifacts as not container images", () => {
    for (const f of [
      "manifest/fixtures/ociv1.everything.json",
      "internal/image/fixtures/oci1-artifact.json",
    ]) {
      expect(() => parseManifest(ci(f), { where: f }), f).toThrow(/OCI artifact/);
    }
  });

  it("reads indexes, with or without mediaType", () => {
    const index = parseManifest(ci("oci/layout/fixtures/name_lookups/index.json"), { where });
    expect(index.kind).toBe("index");
    expect(index.mediaType).toBe(OCI_INDEX);
    const bare = parseManifest(Buffer.from('{"schemaVersion":2,"manifests":[]}'), { where });
    expect(bare).toEqual({ kind: "index", mediaType: OCI_INDEX, manifests: [] });
  });

  it.each([
    ["not JSON", "{", /not valid JSON/],
    ["an array", "[]", /not a JSON object/],
    [
      "no layers",
      `{"schemaVersion":2,"mediaType":"${OCI_MANIFEST}","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:${"a".repeat(64)}","size":1}}`,
      /"layers" is missing/,
    ],
    [
      "bad digest",
      `{"schemaVersion":2,"mediaType":"${OCI_MANIFEST}","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:zz","size":1},"layers":[]}`,
      /config.digest/,
    ],
    [
      "negative size",
      `{"schemaVersion":2,"mediaType":"${OCI_MANIFEST}","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:${"a".repeat(64)}","size":-1},"layers":[]}`,
      /config.size/,
    ],
    ["wrong schemaVersion", `{"schemaVersion":3,"mediaType":"${OCI_MANIFEST}"}`, /schemaVersion/],
    [
      "bad platform",
      `{"schemaVersion":2,"manifests":[{"mediaType":"${OCI_MANIFEST}","digest":"sha256:${"a".repeat(64)}","size":1,"platform":{"os":1}}]}`,
      /platform/,
    ],
  ])("rejects a malformed manifest: %s", (_name, text, message) => {
    expect(() => parseManifest(Buffer.from(text), { where: "manifest X of registry Y" })).toThrow(
      ManifestInvalidError,
    );
    expect(() => parseManifest(Buffer.from(text), { where: "manifest X of registry Y" })).toThrow(message);
    expect(() => parseManifest(Buffer.from(text), { where: "manifest X of registry Y" })).toThrow(
      /manifest X of registry Y/,
    );
  });

  it("rejects unknown media types", () => {
    expect(() =>
      parseManifest(Buffer.from('{"schemaVersion":2,"mediaType":"application/x-thing"}'), { where }),
    ).toThrow(UnsupportedManifestError);
  });
});

describe("parseImageConfig", () => {
  it("reads the fields Vigil uses", () => {
    const c = parseImageConfig(ci("internal/image/fixtures/oci1-config.json"), where);
    expect(c.os).toBe("linux");
    expect(c.architecture).toBe("amd64");
    expect(c.created).toBe("2016-09-23T23:20:45.78976459Z");
    expect(c.diffIds).toHaveLength(5);
    expect(c.history).toHaveLength(15);
    expect(c.history!.some((h) => h.empty_layer)).toBe(true);
  });

  it("requires rootfs.diff_ids", () => {
    expect(() => parseImageConfig(Buffer.from('{"os":"linux"}'), "config Z")).toThrow(/diff_ids is missing/);
    expect(() => parseImageConfig(Buffer.from('{"rootfs":{"diff_ids":["x"]}}'), "config Z")).toThrow(
      /not a valid digest/,
    );
  });
});
