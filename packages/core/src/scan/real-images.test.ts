import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { testEnv } from "../../../../scripts/test-env/env.js";
import { readExpectedDpkg, readExpectedImage } from "../../../../scripts/test-env/expected.js";
import { createDirectoryLayerCache } from "../cache/directory-layer-cache.js";
import type { ImageInventory } from "../model/image-inventory.js";
import type { ImageSource } from "../registry/image-source.js";
import { openImageSource } from "../registry/open-image-source.js";
import { scanImageInventory } from "./scan-image-inventory.js";

const env = testEnv();
const work = mkdtempSync(join(tmpdir(), "vigil-real-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** dpkg-query's abbreviated states whose files are on disk (second letter of db:Status-Abbrev). */
const PRESENT_STATES = new Set(["i", "U", "F", "H", "W", "t"]);

async function inventoryOf(
  reference: string,
  options: Parameters<typeof openImageSource>[1] = {},
): Promise<ImageInventory> {
  const source = await openImageSource(reference, options);
  try {
    const scan = await scanImageInventory({ source });
    expect(scan.error).toBeUndefined();
    expect(scan.status).toBe("complete");
    return scan.inventory!;
  } finally {
    await source.close?.();
  }
}

/** Counts blob opens, to prove what the cache saves. */
function counting(source: ImageSource): ImageSource & { opened: number } {
  const wrapped = {
    description: source.description,
    opened: 0,
    resolve: source.resolve.bind(source),
    async openBlob(...args: Parameters<ImageSource["openBlob"]>) {
      wrapped.opened++;
      return source.openBlob(...args);
    },
  };
  return wrapped;
}

describe("inventory of real Debian images equals dpkg-query over the same rootfs", () => {
  for (const tag of ["minbase", "python", "multilayer", "distroless-deb"] as const) {
    it(`${tag} from the registry`, async () => {
      const inventory = await inventoryOf(`${env.registry}/vigil/${tag}:latest`);
      const ours = inventory.packages
        .filter((p) => p.type === "deb")
        .map((p) => [p.name, p.version, p.sourceName, p.sourceVersion, p.arch].join("\t"))
        .sort();
      const truth = readExpectedDpkg(env, tag)
        .filter((row) => PRESENT_STATES.has(row.status[1] ?? ""))
        .map((row) =>
          [row.package, row.version, row.sourcePackage, row.sourceVersion, row.architecture].join("\t"),
        )
        .sort();
      expect(truth.length).toBeGreaterThan(0);
      expect(ours).toEqual(truth);
      expect(inventory.issues.filter((i) => i.severity === "error")).toEqual([]);
    });
  }

  it("multilayer: a purged package is gone, packages keep the layer that introduced them", async () => {
    const inventory = await inventoryOf(`${env.registry}/vigil/multilayer:latest`);
    const byName = new Map(inventory.packages.map((p) => [p.name, p]));
    expect(byName.has("curl")).toBe(false);
    expect(byName.get("libcurl4")?.location.layerIndex).toBe(1);
    expect(byName.get("ca-certificates")?.location.layerIndex).toBe(1);
    expect(byName.get("libc6")?.location.layerIndex).toBe(0);
    const expected = readExpectedImage(env, "multilayer");
    expect(byName.get("libc6")?.location).toMatchObject({
      layerDigest: expected.layers[0]!.digest,
      diffId: expected.layers[0]!.diffId,
      path: "/var/lib/dpkg/status",
    });
    // The purge layer rewrote the status file but introduced no package.
    expect(inventory.packages.some((p) => p.location.layerIndex === 2)).toBe(false);
    expect(inventory.os).toMatchObject({ id: "debian", versionId: "12" });
  });
});

describe("every image source gives the same inventory", () => {
  it("python from registry, OCI layout, OCI archive and docker archive", async () => {
    const summary = (inv: ImageInventory) =>
      inv.packages.map((p) => `${p.purl} ${p.location.layerIndex} ${p.location.diffId} ${p.location.path}`);
    const fromRegistry = await inventoryOf(`${env.registry}/vigil/python:latest`);
    const sources = [
      `oci:${env.ociLayoutDir}:python`,
      `oci-archive:${join(env.archivesDir, "python.oci.tar")}`,
      `docker-archive:${join(env.archivesDir, "python.docker.tar")}`,
    ];
    for (const reference of sources) {
      expect(summary(await inventoryOf(reference)), reference).toEqual(summary(fromRegistry));
    }
    // 124 Debian packages; the others are Python distributions.
    expect(fromRegistry.packages.filter((p) => p.type === "deb").length).toBe(124);
    // Debian's python3-* packages, also read from their metadata in /usr/lib/python3/dist-packages.
    expect(fromRegistry.packages.filter((p) => p.type === "pypi").map((p) => p.purl)).toEqual([
      "pkg:pypi/certifi@2022.9.24",
      "pkg:pypi/chardet@5.1.0",
      "pkg:pypi/charset-normalizer@3.0.1",
      "pkg:pypi/idna@3.3",
      "pkg:pypi/pyyaml@6.0",
      "pkg:pypi/requests@2.28.1",
      "pkg:pypi/six@1.16.0",
      "pkg:pypi/urllib3@1.26.12",
    ]);
  });

  it("zstd-compressed layers (recompressed by skopeo) give the same inventory as gzip ones", async () => {
    const layout = join(work, "zstd");
    execFileSync("skopeo", [
      "copy",
      "-q",
      "--dest-compress-format=zstd",
      `oci:${env.ociLayoutDir}:minbase`,
      `oci:${layout}:minbase`,
    ]);
    const source = await openImageSource(`oci:${layout}:minbase`);
    const image = await source.resolve();
    expect(image.layers[0]!.mediaType).toBe("application/vnd.oci.image.layer.v1.tar+zstd");
    const zstd = await inventoryOf(`oci:${layout}:minbase`);
    const gzip = await inventoryOf(`oci:${env.ociLayoutDir}:minbase`);
    expect(zstd.packages.map((p) => `${p.purl} ${p.location.diffId}`)).toEqual(
      gzip.packages.map((p) => `${p.purl} ${p.location.diffId}`),
    );
  });

  it("the Docker schema 2 tag reads like the OCI one", async () => {
    const v2 = await inventoryOf(`${env.registry}/vigil/minbase:v2s2`);
    const oci = await inventoryOf(`${env.registry}/vigil/minbase:latest`);
    expect(v2.packages.map((p) => p.purl)).toEqual(oci.packages.map((p) => p.purl));
  });

  it("over HTTPS with basic auth, credentials from a docker config.json and the registry's CA", async () => {
    const config = join(work, "config.json");
    const auth = Buffer.from(`${env.registryUser}:${env.registryPassword}`).toString("base64");
    writeFileSync(config, JSON.stringify({ auths: { [env.authRegistry]: { auth } } }));
    const inventory = await inventoryOf(`${env.authRegistry}/vigil/alpine-3.11:latest`, {
      registryConfigFile: config,
      caFile: env.registryCaFile,
    });
    expect(inventory.os).toMatchObject({ id: "alpine", versionId: "3.11.5" });
    expect(inventory.packages).toHaveLength(14);
  });

  it("without credentials the auth registry's refusal is the error", async () => {
    const source = await openImageSource(`${env.authRegistry}/vigil/minbase:latest`, {
      caFile: env.registryCaFile,
    });
    const scan = await scanImageInventory({ source });
    expect(scan.status).toBe("failed");
    expect(scan.error).toMatch(/requires a username and password/);
  });
});

describe("other distributions", () => {
  it.each(["alpine-3.10", "alpine-3.11"] as const)("%s: every apk record with its origin", async (tag) => {
    const inventory = await inventoryOf(`${env.registry}/vigil/${tag}:latest`);
    const truth = readFileSync(join(env.expectedDir, `${tag}.apk.tsv`), "utf8")
      .trim()
      .split("\n")
      .map((line) => line.split("\t"))
      .map(([name, version, arch, origin]) => `${name} ${version} ${arch} ${origin}`)
      .sort();
    expect(inventory.packages.map((p) => `${p.name} ${p.version} ${p.arch} ${p.sourceName}`).sort()).toEqual(
      truth,
    );
    expect(inventory.os?.id).toBe("alpine");
    expect(inventory.packages[0]!.purl).toMatch(/^pkg:apk\/alpine\/.*distro=alpine-3\.1[01]/);
  });

  it.each(["rpm-sqlite", "rpm-bdb"] as const)("%s: the same packages as rpm -qa", async (tag) => {
    const inventory = await inventoryOf(`${env.registry}/vigil/${tag}:latest`);
    const truth = readFileSync(join(env.expectedDir, `${tag}.rpm-qa.tsv`), "utf8")
      .trim()
      .split("\n")
      .map((line) => line.split("\t"))
      .map(
        ([name, epoch, version, release, arch]) =>
          `${name} ${epoch === "0" ? "" : `${epoch}:`}${version}-${release} ${arch}`,
      )
      .sort();
    expect(inventory.packages.map((p) => `${p.name} ${p.version} ${p.arch}`).sort()).toEqual(truth);
  });

  it("rpm-ndb: SUSE's NDB database under /usr/lib/sysimage/rpm", async () => {
    const inventory = await inventoryOf(`${env.registry}/vigil/rpm-ndb:latest`);
    expect(inventory.packages.length).toBe(35);
    expect(inventory.packages.every((p) => p.location.path === "/usr/lib/sysimage/rpm/Packages.db")).toBe(
      true,
    );
    expect(inventory.os?.id).toBe("sles");
  });
});

describe("platforms and the layer cache", () => {
  it("picks linux/amd64 from an index by default and linux/arm64 on request", async () => {
    const amd = await openImageSource(`${env.registry}/vigil/multiarch:latest`);
    const arm = await openImageSource(`${env.registry}/vigil/multiarch:latest`, { platform: "linux/arm64" });
    const a = await amd.resolve();
    const b = await arm.resolve();
    expect(a.platform.architecture).toBe("amd64");
    expect(b.platform).toMatchObject({ architecture: "arm64" });
    expect(a.manifestDigest).not.toBe(b.manifestDigest);
    expect(a.indexDigest).toBe(b.indexDigest);
  });

  it("a warm scan downloads nothing; an image sharing the base layer reads only its new layers", async () => {
    const cache = createDirectoryLayerCache(join(work, "cache"));
    const cold = counting(await openImageSource(`${env.registry}/vigil/minbase:latest`));
    const first = await scanImageInventory({ source: cold, cache });
    expect(cold.opened).toBe(1);
    const warm = counting(await openImageSource(`${env.registry}/vigil/minbase:latest`));
    const second = await scanImageInventory({ source: warm, cache });
    expect(warm.opened).toBe(0);
    expect(second.inventory).toEqual(first.inventory);
    const sharing = counting(await openImageSource(`${env.registry}/vigil/multilayer:latest`));
    const multilayer = await scanImageInventory({ source: sharing, cache });
    expect(multilayer.layers.map((l) => l.status)).toEqual(["cached", "read", "read", "read"]);
    expect(sharing.opened).toBe(3);
  });
});
