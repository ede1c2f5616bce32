import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, request } from "undici";
import { describe, expect, it } from "vitest";
import { TEST_IMAGE_TAGS, testEnv } from "../../../../scripts/test-env/env.js";
import type { ResolvedImage } from "../model/image.js";
import { PlatformNotFoundError, RegistryAuthError, RegistryConnectionError } from "./errors.js";
import type { HttpClient, HttpClientOptions } from "./http-client.js";
import type { ImageSource } from "./image-source.js";
import { DOCKER_MANIFEST_V2 } from "./media-types.js";
import { createNodeHttpClient } from "./node-http-client.js";
import { type OpenImageSourceOptions, openImageSource } from "./open-image-source.js";
import { digestOf } from "./test-support/streams.js";
import { createUndiciHttpClient } from "./undici-http-client.js";

/**
 * Against the real thing: Debian's docker-registry (distribution) started by the vitest
 * global setup, and the test images it built (OCI layout, oci-archive and docker-archive
 * files, expected digests). Without that environment these tests fail, not skip.
 */
const testenv = testEnv();
const env = {
  plain: testenv.registry,
  auth: testenv.authRegistry,
  ca: testenv.registryCaFile,
  user: testenv.registryUser,
  password: testenv.registryPassword,
  images: testenv.imagesDir,
};

const SINGLE = TEST_IMAGE_TAGS;

interface ExpectedLayer {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly diffId: string;
}
interface ExpectedImage {
  readonly manifestDigest: string;
  readonly mediaType?: string | null;
  readonly platform: { os: string; architecture: string; variant?: string };
  readonly configDigest: string;
  readonly layers: readonly ExpectedLayer[];
  readonly diffIds: readonly string[];
  readonly manifests?: readonly ExpectedImage[];
}

const expected = (tag: string): ExpectedImage =>
  JSON.parse(readFileSync(join(env.images!, "expected", `${tag}.json`), "utf8")) as ExpectedImage;

/** Read every layer through the source (verified) and check what the stream delivered. */
async function readLayers(source: ImageSource, image: ResolvedImage): Promise<void> {
  for (const layer of image.layers) {
    expect(await digestOf(await source.openBlob(layer)), layer.digest).toEqual({
      digest: layer.digest,
      size: layer.size,
    });
  }
}

function expectLikeExpected(image: ResolvedImage, want: ExpectedImage): void {
  expect(image.manifestDigest).toBe(want.manifestDigest);
  expect(image.configDigest).toBe(want.configDigest);
  expect(image.config.diffIds).toEqual(want.diffIds);
  expect(image.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size }))).toEqual(
    want.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
  );
  expect(image.platform).toEqual(want.platform);
}

async function open(ref: string, options: OpenImageSourceOptions = {}): Promise<ImageSource> {
  return openImageSource(ref, options);
}

/** The registry cases run with each HTTP client: whatever passes with undici must pass with node:http. */
const HTTP_CLIENTS: [string, (options: HttpClientOptions) => HttpClient][] = [
  ["node:http", createNodeHttpClient],
  ["undici", createUndiciHttpClient],
];

async function configFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "vigil-it-"));
  const file = join(dir, "config.json");
  const auth = Buffer.from(`${env.user}:${env.password}`).toString("base64");
  await writeFile(file, JSON.stringify({ auths: { [`https://${env.auth}`]: { auth } } }));
  return file;
}

describe.each(HTTP_CLIENTS)("real registry (plain HTTP on loopback, %s client)", (_, createHttpClient) => {
  const open = (ref: string, options: OpenImageSourceOptions = {}): Promise<ImageSource> =>
    openImageSource(ref, { createHttpClient, ...options });

  it.each(SINGLE)(
    "registry: %s resolves to the expected digests and every layer reads verified",
    async (tag) => {
      const source = await open(`${env.plain}/vigil/${tag}:latest`);
      const image = await source.resolve();
      expect(image.reference).toBe(`${env.plain}/vigil/${tag}:latest`);
      expectLikeExpected(image, expected(tag));
      await readLayers(source, image);
      await source.close?.();
    },
  );

  it("registry: the Docker schema 2 tag resolves to the same config and layers", async () => {
    const want = expected("minbase");
    const source = await open(`${env.plain}/vigil/minbase:v2s2`);
    const image = await source.resolve();
    expect(image.manifestMediaType).toBe(DOCKER_MANIFEST_V2);
    expect(image.configDigest).toBe(want.configDigest);
    expect(image.config.diffIds).toEqual(want.diffIds);
    expect(image.layers.map((l) => l.digest)).toEqual(want.layers.map((l) => l.digest));
    await readLayers(source, image);
    await source.close?.();
  });

  it("registry: multiarch picks amd64 by default, arm64 on request, and explains s390x", async () => {
    const want = expected("multiarch");
    const [amd, arm] = want.manifests!;
    const def = await open(`${env.plain}/vigil/multiarch:latest`);
    const image = await def.resolve();
    expect(image.indexDigest).toBe(want.manifestDigest);
    expectLikeExpected(image, amd!);
    await readLayers(def, image);
    const armImage = await (
      await open(`${env.plain}/vigil/multiarch:latest`, { platform: "linux/arm64" })
    ).resolve();
    expectLikeExpected(armImage, arm!);
    expect(armImage.platform).toEqual({ os: "linux", architecture: "arm64", variant: "v8" });
    const error = await (await open(`${env.plain}/vigil/multiarch:latest`, { platform: "linux/s390x" }))
      .resolve()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlatformNotFoundError);
    expect((error as Error).message).toContain("offers linux/amd64, linux/arm64/v8");
  });
});

describe.each(HTTP_CLIENTS)("real registry (TLS + basic auth, %s client)", (_, createHttpClient) => {
  const open = (ref: string, options: OpenImageSourceOptions = {}): Promise<ImageSource> =>
    openImageSource(ref, { createHttpClient, ...options });

  it("registry over TLS with basic auth: CA file + credentials from config.json", async () => {
    const registryConfigFile = await configFile();
    for (const tag of ["minbase", "alpine-3.11"]) {
      const source = await open(`${env.auth}/vigil/${tag}:latest`, { caFile: env.ca!, registryConfigFile });
      const image = await source.resolve();
      expectLikeExpected(image, expected(tag));
      await readLayers(source, image);
      await source.close?.();
    }
  });

  it("registry over TLS: clear errors without credentials or without the CA", async () => {
    const noCreds = await (await open(`${env.auth}/vigil/alpine-3.11:latest`, { caFile: env.ca! }))
      .resolve()
      .catch((e: unknown) => e);
    expect(noCreds).toBeInstanceOf(RegistryAuthError);
    expect((noCreds as Error).message).toMatch(/requires a username and password/);
    const badCreds = await (
      await open(`${env.auth}/vigil/alpine-3.11:latest`, {
        caFile: env.ca!,
        credentials: { username: env.user!, password: "wrong" },
      })
    )
      .resolve()
      .catch((e: unknown) => e);
    expect(badCreds).toBeInstanceOf(RegistryAuthError);
    const noCa = await (
      await open(`${env.auth}/vigil/alpine-3.11:latest`, { registryConfigFile: await configFile() })
    )
      .resolve()
      .catch((e: unknown) => e);
    expect(noCa).toBeInstanceOf(RegistryConnectionError);
    expect((noCa as Error).message).toMatch(/certificate is not trusted.*--ca-file/);
  });
});

describe.each(HTTP_CLIENTS)("real registry (plain HTTP policy, %s client)", (_, createHttpClient) => {
  const open = (ref: string, options: OpenImageSourceOptions = {}): Promise<ImageSource> =>
    openImageSource(ref, { createHttpClient, ...options });

  it("registry over plain HTTP: only for loopback (default) or hosts listed as insecure", async () => {
    const strict = await (
      await open(`${env.plain}/vigil/alpine-3.10:latest`, { plainHttpForLoopback: false })
    )
      .resolve()
      .catch((e: unknown) => e);
    expect(strict).toBeInstanceOf(RegistryConnectionError);
    expect((strict as Error).message).toContain(`--insecure-registry ${env.plain}`);
    const listed = await open(`${env.plain}/vigil/alpine-3.10:latest`, {
      plainHttpForLoopback: false,
      insecureRegistries: [env.plain!],
    });
    expectLikeExpected(await listed.resolve(), expected("alpine-3.10"));
  });
});

describe("test images as local sources", () => {
  it.each([...SINGLE, "multiarch"])("OCI layout directory and oci-archive: %s", async (tag) => {
    const want = expected(tag);
    const single = want.manifests ? want.manifests[0]! : want;
    for (const ref of [`oci:${env.images}/oci:${tag}`, `oci-archive:${env.images}/archives/${tag}.oci.tar`]) {
      const source = await open(ref);
      const image = await source.resolve();
      expectLikeExpected(image, single);
      if (want.manifests) expect(image.indexDigest).toBe(want.manifestDigest);
      await readLayers(source, image);
    }
  });

  it.each(SINGLE)(
    "docker-archive: %s has the expected config and diff_ids as uncompressed layers",
    async (tag) => {
      const want = expected(tag);
      const file = join(env.images!, "archives", `${tag}.docker.tar`);
      const source = await open(`docker-archive:${file}`);
      const image = await source.resolve();
      expect(image.configDigest).toBe(want.configDigest);
      expect(image.config.diffIds).toEqual(want.diffIds);
      expect(image.layers.map((l) => l.digest)).toEqual(want.diffIds);
      expect(image.platform).toEqual(want.platform);
      await readLayers(source, image);
      if (tag === "minbase" && existsSync("/usr/bin/skopeo")) {
        const inspected = JSON.parse(
          execFileSync("skopeo", ["inspect", `docker-archive:${file}`], { encoding: "utf8" }),
        );
        expect(image.manifestDigest).toBe(inspected.Digest);
      }
      const byTag = await (await open(`docker-archive:${file}:vigil/${tag}:latest`)).resolve();
      expect(byTag.manifestDigest).toBe(image.manifestDigest);
    },
  );
});

describe("throughput", () => {
  it("throughput: minbase's layer through the verified registry source vs a plain undici GET", async () => {
    const layer = expected("minbase").layers[0]!;
    const sources = {
      "node:http": await open(`${env.plain}/vigil/minbase:latest`, {
        createHttpClient: createNodeHttpClient,
      }),
      undici: await open(`${env.plain}/vigil/minbase:latest`, { createHttpClient: createUndiciHttpClient }),
    };
    for (const source of Object.values(sources)) await source.resolve();
    const agent = new Agent();
    const url = `http://${env.plain}/v2/vigil/minbase/blobs/${layer.digest}`;
    const plainGet = async (hash: boolean): Promise<void> => {
      const res = await request(url, { dispatcher: agent });
      const h = hash ? createHash("sha256") : undefined;
      for await (const chunk of res.body) h?.update(chunk as Buffer);
    };
    // Drain only: the source itself hashes and verifies.
    const verified = async (source: ImageSource): Promise<void> => {
      for await (const _ of await source.openBlob(layer)) {
        // discard
      }
    };
    const median = async (fn: () => Promise<void>): Promise<number> => {
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        await fn();
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      return layer.size / 1e6 / (times[2]! / 1000);
    };
    await plainGet(false); // warm the registry's page cache and the connections
    const results = {
      "undici GET": await median(() => plainGet(false)),
      "undici GET + sha256": await median(() => plainGet(true)),
      "vigil openBlob (sha256-verified), node:http": await median(() => verified(sources["node:http"])),
      "vigil openBlob (sha256-verified), undici": await median(() => verified(sources.undici)),
    };
    console.log(`minbase layer ${(layer.size / 1e6).toFixed(1)} MB, MB/s (median of 5):`, results);
    await agent.close();
    for (const source of Object.values(sources)) await source.close?.();
    expect(Object.values(results).every((v) => v > 0)).toBe(true);
  });
});
