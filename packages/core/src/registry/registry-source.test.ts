import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  DigestMismatchError,
  ImageSourceAbortedError,
  ManifestInvalidError,
  PlatformNotFoundError,
  RegistryAuthError,
  RegistryConnectionError,
  RegistryNotFoundError,
  RegistryResponseError,
  SizeMismatchError,
  UnsupportedManifestError,
} from "./errors.js";
import type { HttpClient, HttpClientOptions } from "./http-client.js";
import { DOCKER_MANIFEST_V1_SIGNED, OCI_MANIFEST } from "./media-types.js";
import { createNodeHttpClient } from "./node-http-client.js";
import { type OpenImageSourceOptions, openImageSource } from "./open-image-source.js";
import { createRegistryLimits } from "./registry-limits.js";
import {
  buildFakeImage,
  buildFakeIndex,
  type FakeImage,
  type FakeRegistry,
  type FakeRegistryOptions,
  rawManifestImage,
  startFakeRegistry,
} from "./test-support/fake-registry.js";
import { digestOf, readAll } from "./test-support/streams.js";
import { createUndiciHttpClient } from "./undici-http-client.js";

const registries: FakeRegistry[] = [];
afterEach(async () => {
  await Promise.all(registries.splice(0).map((r) => r.stop()));
});

async function start(options: FakeRegistryOptions): Promise<FakeRegistry> {
  const r = await startFakeRegistry(options);
  registries.push(r);
  return r;
}

/** Every case runs with each HTTP client: whatever passes with undici must pass with node:http. */
const HTTP_CLIENTS: [string, (options: HttpClientOptions) => HttpClient][] = [
  ["node:http", createNodeHttpClient],
  ["undici", createUndiciHttpClient],
];

async function expectSameLayers(ref: string, image: FakeImage, options: OpenImageSourceOptions) {
  const source = await openImageSource(ref, options);
  const resolved = await source.resolve();
  expect(resolved.layers).toEqual(image.layers);
  for (const layer of resolved.layers) {
    expect((await readAll(await source.openBlob(layer))).equals(image.blobs.get(layer.digest)!)).toBe(true);
  }
  await source.close?.();
  return resolved;
}

const blobPath = (image: FakeImage, i = 0) => `/v2/${image.repository}/blobs/${image.layers[i]!.digest}`;
const isBlob =
  (image: FakeImage, i = 0) =>
  (r: { path: string }) =>
    r.path === blobPath(image, i);
const isManifest = (r: { path: string }) => r.path.includes("/manifests/");

describe.each(HTTP_CLIENTS)(
  "registry source against a loopback fake registry (%s)",
  (_, createHttpClient) => {
    /** Options with the client under test and an instant, recording sleep so retries cost nothing. */
    function fast(extra: OpenImageSourceOptions = {}): OpenImageSourceOptions & { slept: number[] } {
      const slept: number[] = [];
      return {
        slept,
        createHttpClient,
        ...extra,
        retry: { sleep: async (ms: number) => void slept.push(ms), ...extra.retry },
      };
    }

    it("resolves anonymously over plain HTTP on loopback and reads byte-identical layers", async () => {
      const image = buildFakeImage({ repository: "vigil/small", layerSizes: [200_000, 3, 0] });
      const reg = await start({ images: [image] });
      const resolved = await expectSameLayers(`${reg.host}/vigil/small:latest`, image, fast());
      expect(resolved.reference).toBe(`${reg.host}/vigil/small:latest`);
      expect(resolved.repository).toBe(`${reg.host}/vigil/small`);
      expect(resolved.manifestDigest).toBe(image.rootDigest);
      expect(resolved.configDigest).toBe(image.configDigest);
      expect(resolved.config.labels).toEqual({ test: "yes" });
      const manifestRequest = reg.requests.find(isManifest)!;
      expect(manifestRequest.headers.accept).toContain(OCI_MANIFEST);
      expect(manifestRequest.headers.accept).toContain(
        "application/vnd.docker.distribution.manifest.list.v2+json",
      );
      // by digest too
      const byDigest = await openImageSource(`${reg.host}/vigil/small@${image.rootDigest}`, fast());
      expect((await byDigest.resolve()).manifestDigest).toBe(image.rootDigest);
    });

    it("gets a Bearer token from the challenge's realm with credentials from config.json, once per scope", async () => {
      const image = buildFakeImage({ repository: "private/app", layerSizes: [1000, 2000] });
      const reg = await start({
        images: [image],
        auth: { kind: "bearer", username: "alice", password: "s3cret" },
      });
      const dir = await mkdtemp(join(tmpdir(), "vigil-auth-"));
      const configFile = join(dir, "config.json");
      const auth = Buffer.from("alice:s3cret").toString("base64");
      await writeFile(configFile, JSON.stringify({ auths: { [`http://${reg.host}`]: { auth } } }));
      await expectSameLayers(`${reg.host}/private/app`, image, fast({ registryConfigFile: configFile }));
      const tokenRequests = reg.requests.filter((r) => r.path.startsWith("/token"));
      expect(tokenRequests).toHaveLength(1);
      expect(tokenRequests[0]!.path).toContain("service=fake-registry");
      expect(tokenRequests[0]!.path).toContain(`scope=${encodeURIComponent("repository:private/app:pull")}`);
      expect(tokenRequests[0]!.headers.authorization).toBe(`Basic ${auth}`);
      // Only the first request went without a token.
      expect(reg.requests.filter((r) => r.path.startsWith("/v2/") && !r.headers.authorization)).toHaveLength(
        1,
      );

      await writeFile(
        configFile,
        JSON.stringify({ auths: { [reg.host]: { username: "alice", password: "wrong" } } }),
      );
      const error = await (
        await openImageSource(`${reg.host}/private/app`, fast({ registryConfigFile: configFile }))
      )
        .resolve()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RegistryAuthError);
      expect((error as Error).message).toMatch(/token service .* rejected user "alice" from .*config\.json/);
    });

    it("uses Basic auth when challenged, and says what to do without credentials", async () => {
      const image = buildFakeImage({ repository: "basic/app", layerSizes: [100] });
      const reg = await start({ images: [image], auth: { kind: "basic", username: "bob", password: "pw" } });
      await expectSameLayers(
        `${reg.host}/basic/app`,
        image,
        fast({ credentials: { username: "bob", password: "pw" } }),
      );
      const none = await (await openImageSource(`${reg.host}/basic/app`, fast()))
        .resolve()
        .catch((e: unknown) => e);
      expect(none).toBeInstanceOf(RegistryAuthError);
      expect((none as Error).message).toMatch(/requires a username and password.*docker login/);
      const wrong = await (
        await openImageSource(
          `${reg.host}/basic/app`,
          fast({ credentials: { username: "bob", password: "x" } }),
        )
      )
        .resolve()
        .catch((e: unknown) => e);
      expect(wrong).toBeInstanceOf(RegistryAuthError);
      expect((wrong as Error).message).toMatch(/rejected user "bob"/);
    });

    it("maps 403 and 404 to typed errors with the registry's own message as cause", async () => {
      const image = buildFakeImage({ repository: "x/y", layerSizes: [10] });
      const reg = await start({
        images: [image],
        faults: [
          {
            match: (r) => r.path.endsWith("/manifests/forbidden"),
            action: {
              kind: "status",
              status: 403,
              body: '{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}',
            },
          },
        ],
      });
      const forbidden = await (await openImageSource(`${reg.host}/x/y:forbidden`, fast()))
        .resolve()
        .catch((e: unknown) => e);
      expect(forbidden).toBeInstanceOf(RegistryAuthError);
      expect((forbidden as RegistryAuthError).status).toBe(403);
      expect((forbidden as Error).message).toMatch(/denied access.*HTTP 403.*DENIED.*ask for access/);
      expect((forbidden as Error).cause).toBeInstanceOf(Error);

      const missingTag = await (await openImageSource(`${reg.host}/x/y:nope`, fast()))
        .resolve()
        .catch((e: unknown) => e);
      expect(missingTag).toBeInstanceOf(RegistryNotFoundError);
      expect((missingTag as Error).message).toMatch(
        /manifest x\/y:nope: the tag or digest does not exist.*MANIFEST_UNKNOWN/,
      );
      const missingRepo = await (await openImageSource(`${reg.host}/no/repo`, fast()))
        .resolve()
        .catch((e: unknown) => e);
      expect((missingRepo as Error).message).toMatch(/the repository does not exist/);
      const source = await openImageSource(`${reg.host}/x/y`, fast());
      await expect(
        source.openBlob({ ...image.layers[0]!, digest: `sha256:${"1".repeat(64)}` }),
      ).rejects.toThrow(/the blob does not exist/);
    });

    it("waits for Retry-After on 429 and backs off on 500, then succeeds", async () => {
      const image = buildFakeImage({ repository: "busy/app", layerSizes: [5000] });
      const reg = await start({
        images: [image],
        faults: [
          {
            match: isManifest,
            action: { kind: "status", status: 429, headers: { "retry-after": "1" } },
            times: 1,
          },
          { match: isBlob(image), action: { kind: "status", status: 500 }, times: 2 },
        ],
      });
      const options = fast();
      await expectSameLayers(`${reg.host}/busy/app`, image, options);
      expect(options.slept[0]).toBe(1000);
      expect(options.slept).toHaveLength(3);
      expect(reg.requests.filter(isBlob(image))).toHaveLength(3);
    });

    it("gives up with a clear error when 429 or 500 persist, or Retry-After is too long", async () => {
      const image = buildFakeImage({ repository: "down/app", layerSizes: [10] });
      const reg = await start({
        images: [image],
        faults: [
          {
            match: (r) => r.path.endsWith(":slow") || r.path.endsWith("/slow"),
            action: { kind: "status", status: 429, headers: { "retry-after": "3600" } },
          },
          {
            match: (r) => r.path.endsWith("/limited"),
            action: { kind: "status", status: 429, headers: { "retry-after": "0" } },
          },
          { match: (r) => r.path.endsWith("/broken"), action: { kind: "status", status: 500 } },
        ],
      });
      const options = fast();
      const limited = await (await openImageSource(`${reg.host}/down/app:limited`, options))
        .resolve()
        .catch((e: unknown) => e);
      expect(limited).toBeInstanceOf(RegistryResponseError);
      expect((limited as RegistryResponseError).status).toBe(429);
      expect((limited as Error).message).toMatch(/rate-limiting.*Wait and retry later/);
      expect(reg.requests.filter((r) => r.path.endsWith("/limited"))).toHaveLength(4);
      const broken = await (await openImageSource(`${reg.host}/down/app:broken`, options))
        .resolve()
        .catch((e: unknown) => e);
      expect((broken as Error).message).toMatch(/HTTP 500.*after retries/);
      const before = options.slept.length;
      const slow = await (await openImageSource(`${reg.host}/down/app:slow`, options))
        .resolve()
        .catch((e: unknown) => e);
      expect((slow as Error).message).toMatch(/Retry-After 3600/);
      expect(options.slept.length).toBe(before); // did not wait an hour
    });

    it("resumes a blob with a Range request after the connection drops mid-blob", async () => {
      const image = buildFakeImage({ repository: "flaky/app", layerSizes: [1_000_000] });
      const reg = await start({
        images: [image],
        faults: [
          {
            match: (r) => isBlob(image)(r) && !r.headers.range,
            action: { kind: "reset", afterBytes: 300_000 },
            times: 1,
          },
        ],
      });
      await expectSameLayers(`${reg.host}/flaky/app`, image, fast());
      const ranged = reg.requests.filter((r) => isBlob(image)(r) && r.headers.range);
      expect(ranged).toHaveLength(1);
      const offset = Number(/bytes=(\d+)-/.exec(ranged[0]!.headers.range as string)![1]);
      expect(offset).toBeGreaterThan(0);
      expect(offset).toBeLessThanOrEqual(300_000);
    });

    it("with one request per host and a bandwidth cap: token, dropped blob and resume never deadlock, and every permit comes back", async () => {
      const image = buildFakeImage({ repository: "limited/app", layerSizes: [1_000_000, 20_000] });
      const reg = await start({
        images: [image],
        // The token service is on the registry's own host: it shares the one permit.
        auth: { kind: "bearer", username: "alice", password: "s3cret" },
        faults: [
          {
            match: (r) => isBlob(image)(r) && !r.headers.range,
            action: { kind: "reset", afterBytes: 300_000 },
            times: 1,
          },
        ],
      });
      const registryLimits = createRegistryLimits({ concurrencyPerHost: 1, bytesPerSecondPerHost: 8 << 20 });
      const started = performance.now();
      await expectSameLayers(
        `${reg.host}/limited/app`,
        image,
        fast({ registryLimits, credentials: { username: "alice", password: "s3cret" } }),
      );
      // 1.02 MB at 8 MiB/s, less the first tenth of a second: the cap applied across the resume.
      expect(performance.now() - started).toBeGreaterThanOrEqual(
        ((1_020_000 - (8 << 20) / 10) / (8 << 20)) * 1000,
      );
      expect(reg.requests.filter((r) => isBlob(image)(r) && r.headers.range)).toHaveLength(1);
      expect(reg.requests.some((r) => r.path.startsWith("/token"))).toBe(true);
      expect(registryLimits.inFlight(reg.host)).toBe(0);
    });

    it("restarts from the beginning when the server ignores Range, still byte-identical", async () => {
      const image = buildFakeImage({ repository: "flaky/norange", layerSizes: [600_000] });
      const reg = await start({
        images: [image],
        faults: [
          {
            match: (r) => isBlob(image)(r) && !r.headers.range,
            action: { kind: "reset", afterBytes: 200_000 },
            times: 2,
          },
          { match: (r) => isBlob(image)(r) && !!r.headers.range, action: { kind: "ignore-range" } },
        ],
      });
      await expectSameLayers(`${reg.host}/flaky/norange`, image, fast());
    });

    it("errors (never ends) when the connection keeps dropping", async () => {
      const image = buildFakeImage({ repository: "flaky/dead", layerSizes: [500_000] });
      const reg = await start({
        images: [image],
        faults: [{ match: isBlob(image), action: { kind: "reset", afterBytes: 1000 } }],
      });
      const options = fast();
      const source = await openImageSource(`${reg.host}/flaky/dead`, options);
      await source.resolve();
      // Each attempt gets the same 1000 bytes and the Range stays put: no progress, so it fails.
      const faults = reg.faults;
      faults[0] = { match: (r) => isBlob(image)(r), action: { kind: "reset", afterBytes: 0 } };
      const error = await digestOf(await source.openBlob(image.layers[0]!)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RegistryConnectionError);
      expect((error as Error).message).toMatch(/failed after 0 of 500000 bytes/);
    });

    it("asks again for a manifest or config whose connection drops mid-body, and says what it read when it keeps dropping", async () => {
      const image = buildFakeImage({ repository: "flaky/docs", layerSizes: [1000] });
      const isConfig = (r: { path: string }) => r.path === `/v2/flaky/docs/blobs/${image.configDigest}`;
      const reg = await start({
        images: [image],
        faults: [
          { match: isManifest, action: { kind: "reset", afterBytes: 50 }, times: 1 },
          { match: isConfig, action: { kind: "reset", afterBytes: 20 }, times: 1 },
        ],
      });
      const options = fast();
      await expectSameLayers(`${reg.host}/flaky/docs`, image, options);
      expect(reg.requests.filter(isManifest)).toHaveLength(2);
      expect(reg.requests.filter(isConfig)).toHaveLength(2);
      expect(options.slept).toHaveLength(2);

      reg.faults.push({ match: isManifest, action: { kind: "reset", afterBytes: 50 } });
      const error = await (await openImageSource(`${reg.host}/flaky/docs`, fast()))
        .resolve()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RegistryConnectionError);
      expect((error as Error).message).toMatch(
        /^Reading manifest flaky\/docs:latest of registry 127\.0\.0\.1:\d+\/flaky\/docs failed: the connection dropped before the end of the answer 4 times \(.+\)\. Check the network or the registry, then retry\.$/,
      );
    });

    it("rejects a blob whose bytes do not match its digest", async () => {
      const image = buildFakeImage({ repository: "evil/app", layerSizes: [70_000] });
      const reg = await start({
        images: [image],
        faults: [{ match: isBlob(image), action: { kind: "corrupt" } }],
      });
      const source = await openImageSource(`${reg.host}/evil/app`, fast());
      const resolved = await source.resolve();
      const error = await readAll(await source.openBlob(resolved.layers[0]!)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DigestMismatchError);
      expect((error as DigestMismatchError).expected).toBe(image.layers[0]!.digest);
      expect((error as Error).message).toContain(
        `blob ${image.layers[0]!.digest} of registry ${reg.host}/evil/app`,
      );
    });

    it("rejects a manifest that does not match its digest (pinned, or the registry's Docker-Content-Digest)", async () => {
      const image = buildFakeImage({ repository: "evil/manifest", layerSizes: [10] });
      const reg = await start({
        images: [image],
        faults: [
          { match: (r) => r.path.endsWith("/manifests/latest"), action: { kind: "corrupt" } },
          { match: (r) => r.path.endsWith(`/manifests/${image.rootDigest}`), action: { kind: "corrupt" } },
        ],
      });
      await expect(
        (await openImageSource(`${reg.host}/evil/manifest:latest`, fast())).resolve(),
      ).rejects.toBeInstanceOf(DigestMismatchError);
      await expect(
        (await openImageSource(`${reg.host}/evil/manifest@${image.rootDigest}`, fast())).resolve(),
      ).rejects.toBeInstanceOf(DigestMismatchError);
    });

    it("rejects a wrong Content-Length before handing out any bytes", async () => {
      const image = buildFakeImage({ repository: "short/app", layerSizes: [50_000] });
      const reg = await start({
        images: [image],
        faults: [{ match: isBlob(image), action: { kind: "content-length", length: 10_000 }, times: 1 }],
      });
      const source = await openImageSource(`${reg.host}/short/app`, fast());
      const resolved = await source.resolve();
      const error = await source.openBlob(resolved.layers[0]!).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SizeMismatchError);
      expect((error as Error).message).toMatch(/expected 50000 bytes, got 10000.*Content-Length/);
    });

    it("rejects malformed, schema 1 and oversized manifests", async () => {
      const malformed = rawManifestImage("bad/json", "latest", Buffer.from("{not json"), OCI_MANIFEST);
      const schema1 = rawManifestImage(
        "old/schema1",
        "latest",
        Buffer.from(JSON.stringify({ schemaVersion: 1, name: "old/schema1", tag: "latest", fsLayers: [] })),
        DOCKER_MANIFEST_V1_SIGNED,
      );
      const huge = rawManifestImage(
        "big/manifest",
        "latest",
        Buffer.alloc(5 * 1024 * 1024, 32),
        OCI_MANIFEST,
      );
      const reg = await start({ images: [malformed, schema1, huge] });
      await expect((await openImageSource(`${reg.host}/bad/json`, fast())).resolve()).rejects.toBeInstanceOf(
        ManifestInvalidError,
      );
      const old = await (await openImageSource(`${reg.host}/old/schema1`, fast()))
        .resolve()
        .catch((e: unknown) => e);
      expect(old).toBeInstanceOf(UnsupportedManifestError);
      expect((old as Error).message).toMatch(/schema 1/);
      await expect((await openImageSource(`${reg.host}/big/manifest`, fast())).resolve()).rejects.toThrow(
        /limit/,
      );
    });

    it("chooses the platform from an index and lists the offer when it has none", async () => {
      const amd = buildFakeImage({ repository: "m/a", layerSizes: [100] });
      const arm = buildFakeImage({
        repository: "m/a",
        layerSizes: [200],
        architecture: "arm64",
        variant: "v8",
      });
      const index = buildFakeIndex(
        "multi/arch",
        ["latest"],
        [
          { image: amd, platform: { os: "linux", architecture: "amd64" } },
          { image: arm, platform: { os: "linux", architecture: "arm64", variant: "v8" } },
        ],
      );
      const reg = await start({ images: [index] });
      const def = await expectSameLayers(`${reg.host}/multi/arch`, amd, fast());
      expect(def.indexDigest).toBe(index.rootDigest);
      expect(def.manifestDigest).toBe(amd.rootDigest);
      expect(def.platform).toEqual({ os: "linux", architecture: "amd64" });
      const armImage = await expectSameLayers(
        `${reg.host}/multi/arch`,
        arm,
        fast({ platform: "linux/arm64" }),
      );
      expect(armImage.platform).toEqual({ os: "linux", architecture: "arm64", variant: "v8" });
      const none = await (await openImageSource(`${reg.host}/multi/arch`, fast({ platform: "linux/s390x" })))
        .resolve()
        .catch((e: unknown) => e);
      expect(none).toBeInstanceOf(PlatformNotFoundError);
      expect((none as Error).message).toMatch(
        /No manifest for platform linux\/s390x.*offers linux\/amd64, linux\/arm64\/v8/,
      );
    });

    it("follows a blob redirect to another origin without sending credentials there", async () => {
      const image = buildFakeImage({ repository: "redir/app", layerSizes: [4000] });
      const storage = await start({ images: [image] }); // plays the storage bucket, no auth
      const reg = await start({
        images: [image],
        auth: { kind: "basic", username: "u", password: "p" },
        faults: [
          {
            match: (r) => r.path.includes("/blobs/") && !!r.headers.authorization,
            action: { kind: "redirect", location: `${storage.url}{path}` },
          },
        ],
      });
      await expectSameLayers(
        `${reg.host}/redir/app`,
        image,
        fast({ credentials: { username: "u", password: "p" } }),
      );
      const stored = storage.requests.filter((r) => r.path.includes("/blobs/"));
      expect(stored.length).toBeGreaterThan(0);
      expect(stored.every((r) => r.headers.authorization === undefined)).toBe(true);
    });

    it("stops a blob read when the signal aborts", async () => {
      const image = buildFakeImage({ repository: "abort/app", layerSizes: [2_000_000] });
      const reg = await start({
        images: [image],
        faults: [{ match: isBlob(image), action: { kind: "reset", afterBytes: 100_000 } }],
      });
      const source = await openImageSource(`${reg.host}/abort/app`, fast());
      await source.resolve();
      const controller = new AbortController();
      const stream = await source.openBlob(image.layers[0]!, { signal: controller.signal });
      controller.abort();
      const error = await readAll(stream).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(error instanceof ImageSourceAbortedError || (error as Error).name === "AbortError").toBe(true);
    });

    it("uses plain HTTP only for loopback (by default) or registries listed as insecure", async () => {
      const image = buildFakeImage({ repository: "plain/app", layerSizes: [10] });
      const reg = await start({ images: [image] });
      const refused = await (
        await openImageSource(`${reg.host}/plain/app`, fast({ plainHttpForLoopback: false }))
      )
        .resolve()
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(RegistryConnectionError);
      expect((refused as Error).message).toMatch(
        /does not seem to speak HTTPS.*--insecure-registry 127\.0\.0\.1:\d+/,
      );
      await expectSameLayers(
        `${reg.host}/plain/app`,
        image,
        fast({ plainHttpForLoopback: false, insecureRegistries: [reg.host] }),
      );
    });

    it("times out a stalled body and resumes it", async () => {
      const image = buildFakeImage({ repository: "stall/app", layerSizes: [400_000] });
      const reg = await start({
        images: [image],
        faults: [
          {
            match: (r) => isBlob(image)(r) && !r.headers.range,
            action: { kind: "stall", afterBytes: 100_000 },
            times: 1,
          },
        ],
      });
      await expectSameLayers(`${reg.host}/stall/app`, image, fast({ timeouts: { bodyMs: 200 } }));
      expect(reg.requests.filter((r) => isBlob(image)(r) && r.headers.range)).toHaveLength(1);
    });

    it("exchanges an identitytoken for an access token (OAuth2 refresh-token grant)", async () => {
      const image = buildFakeImage({ repository: "oauth/app", layerSizes: [100] });
      const reg = await start({ images: [image], auth: { kind: "bearer", refreshToken: "rt-123" } });
      await expectSameLayers(
        `${reg.host}/oauth/app`,
        image,
        fast({ credentials: { identityToken: "rt-123" } }),
      );
      const post = reg.requests.find((r) => r.method === "POST" && r.path === "/token");
      expect(post?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
      const bad = await (
        await openImageSource(`${reg.host}/oauth/app`, fast({ credentials: { identityToken: "nope" } }))
      )
        .resolve()
        .catch((e: unknown) => e);
      expect(bad).toBeInstanceOf(RegistryAuthError);
    });

    it("retries a refused connection and then says the registry is unreachable", async () => {
      const reg = await start({ images: [] });
      const host = reg.host;
      await reg.stop();
      registries.splice(registries.indexOf(reg), 1);
      const options = fast();
      const error = await (await openImageSource(`${host}/gone/app`, options))
        .resolve()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RegistryConnectionError);
      expect((error as Error).message).toMatch(
        /Cannot fetch manifest gone\/app:latest from registry 127\.0\.0\.1:\d+.*reachable/,
      );
      expect((error as Error).cause).toBeDefined();
      expect(options.slept).toHaveLength(3);
    });
  },
);
