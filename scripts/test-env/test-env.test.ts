import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEBIAN_IMAGE_TAGS, TEST_ENV_VARS, TEST_IMAGE_TAGS, TestEnvMissingError, testEnv } from "./env.js";
import { readExpectedDpkg, readExpectedImage, readExpectedIndex } from "./expected.js";
import { httpRequest } from "./http-request.js";
import { AUTH_REGISTRY_TAGS } from "./registry-storage.js";

// Checks of the test environment itself (global-setup.ts): if this file fails, start here.
const env = testEnv();
const auth = { user: env.registryUser, password: env.registryPassword };

const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
const DOCKER_V2S2 = "application/vnd.docker.distribution.manifest.v2+json";

function json<T>(body: Buffer): T {
  return JSON.parse(body.toString("utf8")) as T;
}

describe("plain registry", () => {
  const base = `http://${env.registry}`;

  it("answers /v2/ with 200", async () => {
    expect((await httpRequest(`${base}/v2/`)).status).toBe(200);
  });

  it("lists every pushed repository in its catalog", async () => {
    const res = await httpRequest(`${base}/v2/_catalog`);
    expect(res.status).toBe(200);
    const { repositories } = json<{ repositories: string[] }>(res.body);
    expect(repositories).toEqual([...TEST_IMAGE_TAGS, "multiarch"].map((tag) => `vigil/${tag}`).sort());
  });

  it("serves every tag with the manifest digest of the OCI layout", async () => {
    for (const tag of TEST_IMAGE_TAGS) {
      const res = await httpRequest(`${base}/v2/vigil/${tag}/manifests/latest`, {
        method: "HEAD",
        headers: { accept: OCI_MANIFEST },
      });
      expect(res.status, tag).toBe(200);
      expect(res.headers["docker-content-digest"], tag).toBe(readExpectedImage(env, tag).manifestDigest);
    }
  });

  it("serves vigil/minbase:v2s2 as a Docker schema 2 manifest with the same layers", async () => {
    const res = await httpRequest(`${base}/v2/vigil/minbase/manifests/v2s2`, {
      headers: { accept: DOCKER_V2S2 },
    });
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe(DOCKER_V2S2);
    const manifest = json<{ layers: { digest: string }[] }>(res.body);
    const expected = readExpectedImage(env, "minbase");
    expect(manifest.layers.map((l) => l.digest)).toEqual(expected.layers.map((l) => l.digest));
  });

  it("serves vigil/multiarch:latest as an OCI index for linux/amd64 and linux/arm64/v8", async () => {
    const res = await httpRequest(`${base}/v2/vigil/multiarch/manifests/latest`, {
      headers: { accept: OCI_INDEX },
    });
    expect(res.status).toBe(200);
    const expected = readExpectedIndex(env);
    expect(res.headers["docker-content-digest"]).toBe(expected.manifestDigest);
    const index = json<{ manifests: { digest: string; platform: unknown }[] }>(res.body);
    expect(index.manifests.map((m) => m.platform)).toEqual([
      { architecture: "amd64", os: "linux" },
      { architecture: "arm64", os: "linux", variant: "v8" },
    ]);
    expect(index.manifests.map((m) => m.digest)).toEqual(expected.manifests.map((m) => m.manifestDigest));
  });

  it("is read-only, so no test can change the shared storage", async () => {
    const res = await httpRequest(`${base}/v2/vigil/minbase/manifests/latest`, {
      method: "HEAD",
      headers: { accept: OCI_MANIFEST },
    });
    expect(res.status).toBe(200);
    const digest = res.headers["docker-content-digest"];
    const del = await httpRequest(`${base}/v2/vigil/minbase/manifests/${digest}`, { method: "DELETE" });
    expect(del.status).toBe(405);
  });
});

describe("TLS + basic-auth registry", () => {
  const base = `https://${env.authRegistry}`;

  it("answers /v2/ with 401 without credentials (TLS verified with the test CA)", async () => {
    const res = await httpRequest(`${base}/v2/`, { caFile: env.registryCaFile });
    expect(res.status).toBe(401);
    expect(res.headers["www-authenticate"]).toMatch(/^Basic realm=/);
  });

  it("answers /v2/ with 200 with the credentials", async () => {
    expect((await httpRequest(`${base}/v2/`, { caFile: env.registryCaFile, basicAuth: auth })).status).toBe(
      200,
    );
  });

  it("rejects a wrong password", async () => {
    const wrong = { user: env.registryUser, password: `${env.registryPassword}x` };
    expect((await httpRequest(`${base}/v2/`, { caFile: env.registryCaFile, basicAuth: wrong })).status).toBe(
      401,
    );
  });

  it("is not trusted without the test CA", async () => {
    await expect(httpRequest(`${base}/v2/`)).rejects.toThrow(/certificate/i);
  });

  it("lists only the repositories pushed to it", async () => {
    const res = await httpRequest(`${base}/v2/_catalog`, { caFile: env.registryCaFile, basicAuth: auth });
    expect(res.status).toBe(200);
    expect(json<{ repositories: string[] }>(res.body).repositories).toEqual(
      AUTH_REGISTRY_TAGS.map((tag) => `vigil/${tag}`).sort(),
    );
  });
});

describe("images directory", () => {
  it("has the layout, both archives and the expected digests of every tag", () => {
    expect(existsSync(join(env.ociLayoutDir, "index.json"))).toBe(true);
    expect(existsSync(join(env.imagesDir, "done"))).toBe(true);
    for (const tag of TEST_IMAGE_TAGS) {
      for (const file of [`archives/${tag}.oci.tar`, `archives/${tag}.docker.tar`, `expected/${tag}.json`]) {
        expect(existsSync(join(env.imagesDir, file)), file).toBe(true);
      }
    }
    expect(existsSync(join(env.archivesDir, "multiarch.oci.tar"))).toBe(true);
    for (const tag of DEBIAN_IMAGE_TAGS) {
      expect(existsSync(join(env.expectedDir, `${tag}.dpkg-query.tsv`)), tag).toBe(true);
    }
  });

  it("records the layer counts the images are built with", () => {
    const layers = Object.fromEntries(
      TEST_IMAGE_TAGS.map((tag) => [tag, readExpectedImage(env, tag).layers.length]),
    );
    expect(layers).toEqual({
      minbase: 1,
      python: 2,
      multilayer: 4,
      nodeapp: 3,
      "alpine-3.10": 1,
      "alpine-3.11": 1,
      "rpm-sqlite": 1,
      "rpm-ndb": 1,
      "rpm-bdb": 1,
      "distroless-deb": 1,
    });
    for (const tag of TEST_IMAGE_TAGS) {
      const image = readExpectedImage(env, tag);
      expect(image.diffIds, tag).toEqual(image.layers.map((l) => l.diffId));
    }
  });

  it("has a dpkg-query ground truth of 80-100 installed packages for minbase", () => {
    const rows = readExpectedDpkg(env, "minbase");
    expect(rows.length).toBeGreaterThanOrEqual(80);
    expect(rows.length).toBeLessThanOrEqual(100);
    expect(rows.every((r) => r.status === "ii")).toBe(true);
    expect(rows.map((r) => r.package)).toEqual(
      expect.arrayContaining(["base-files", "dpkg", "libc6", "apt"]),
    );
  });

  it("has curl purged but libcurl4 kept in multilayer's ground truth", () => {
    const names = readExpectedDpkg(env, "multilayer").map((r) => r.package);
    expect(names).not.toContain("curl");
    expect(names).toEqual(expect.arrayContaining(["libcurl4", "ca-certificates"]));
  });
});

describe("testEnv()", () => {
  it("fails with a clear error when the environment is absent", () => {
    const partial = { ...process.env, [TEST_ENV_VARS.registry]: undefined };
    expect(() => testEnv(partial)).toThrow(TestEnvMissingError);
    expect(() => testEnv(partial)).toThrow(/VIGIL_TEST_REGISTRY\b/);
  });
});
