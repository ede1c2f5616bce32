import type { ImageInventory, InventoryMatches, OsInfo, Package, PackageType } from "@vigil/core";
import { describe, expect, it } from "vitest";
import { DIALECTS } from "../db/test-support/test-databases.js";
import { imagePackageKeys } from "./image-package-keys.js";
import { createImageRepository, type ImageRecord } from "./image-repository.js";
import { at } from "./test-support/store-fixtures.js";
import { useStoreTestDatabase } from "./test-support/store-test-database.js";

const DEBIAN_12: OsInfo = { id: "debian", versionId: "12", source: "/etc/os-release" };

function pkg(type: PackageType, name: string, version: string, sourceName?: string): Package {
  return {
    type,
    name,
    version,
    ...(sourceName ? { sourceName } : {}),
    purl: `pkg:${type}/${name}@${version}`,
    foundBy: `test/${type}`,
    location: { layerDigest: "sha256:l1", layerIndex: 0, path: `/db/${name}` },
  };
}

function inventory(os: OsInfo | undefined, packages: readonly Package[]): ImageInventory {
  return { ...(os ? { os } : {}), packages, issues: [] };
}

const matches: InventoryMatches = { matches: [], issues: [], osEcosystem: "Debian:12" };

function image(digest: string, inv: ImageInventory, fields: Partial<ImageRecord> = {}): ImageRecord {
  return {
    digest,
    platform: "linux/amd64",
    reference: `registry.local/app@${digest}`,
    manifestDigest: digest,
    inventory: inv,
    inventoryKey: "key-1",
    scannedAt: at(0),
    ...fields,
  };
}

describe("imagePackageKeys", () => {
  it("keys OS packages by binary and source name in their distribution, language packages normalized", () => {
    const inv = inventory(DEBIAN_12, [
      pkg("deb", "libssl3", "3.0.13-1", "openssl"),
      pkg("deb", "openssl", "3.0.13-1", "openssl"),
      pkg("pypi", "Foo_Bar.baz", "1.0"),
      pkg("npm", "left-pad", "1.3.0"),
      pkg("npm", "left-pad", "1.3.0"),
    ]);
    expect(imagePackageKeys(inv)).toEqual([
      { ecosystem: "Debian", name: "libssl3" },
      { ecosystem: "Debian", name: "openssl" },
      { ecosystem: "PyPI", name: "foo-bar-baz" },
      { ecosystem: "npm", name: "left-pad" },
    ]);
    // an OS without advisories: its packages are never matched, so never looked up again
    expect(
      imagePackageKeys(inventory(undefined, [pkg("deb", "openssl", "1"), pkg("npm", "a", "1")])),
    ).toEqual([{ ecosystem: "npm", name: "a" }]);
  });
});

describe.each(DIALECTS)("image repository on %s", (dialect) => {
  const t = useStoreTestDatabase(dialect);
  const images = () => createImageRepository(t.current.db);

  it("stores an image with its inventory and matches, and replaces it whole", async () => {
    const first = image(
      "sha256:aaaa",
      inventory(DEBIAN_12, [pkg("deb", "libssl3", "3.0.13-1", "openssl"), pkg("pypi", "Foo_Bar", "1.0")]),
      {
        image: {
          reference: "registry.local/app:1",
          manifestDigest: "sha256:aaaa",
          manifestMediaType: "application/vnd.oci.image.manifest.v1+json",
          platform: { os: "linux", architecture: "amd64" },
          configDigest: "sha256:cfg",
          config: { diffIds: ["sha256:d1"] },
          layers: [],
        },
        matchedWith: "rev-1",
        matches,
        matchedAt: at(1),
      },
    );
    await images().upsert(first);
    expect(await images().get(first)).toEqual(first);
    expect(await images().get({ digest: "sha256:aaaa", platform: "linux/arm64" })).toBeUndefined();
    expect(await images().packagesOf(first)).toEqual([
      { ecosystem: "Debian", name: "libssl3" },
      { ecosystem: "Debian", name: "openssl" },
      { ecosystem: "PyPI", name: "foo-bar" },
    ]);

    // rescanned with other extractors: everything replaced, the package index too
    const second = image("sha256:aaaa", inventory(DEBIAN_12, [pkg("deb", "zlib1g", "1", "zlib")]), {
      inventoryKey: "key-2",
      scannedAt: at(5),
    });
    await images().upsert(second);
    expect(await images().get(first)).toEqual(second);
    expect(await images().packagesOf(first)).toEqual([
      { ecosystem: "Debian", name: "zlib" },
      { ecosystem: "Debian", name: "zlib1g" },
    ]);
    // an explicit package list is stored as given (deduplicated, sorted)
    await images().upsert({
      ...second,
      packages: [
        { ecosystem: "npm", name: "b" },
        { ecosystem: "npm", name: "a" },
        { ecosystem: "npm", name: "b" },
      ],
    });
    expect(await images().packagesOf(first)).toEqual([
      { ecosystem: "npm", name: "a" },
      { ecosystem: "npm", name: "b" },
    ]);
  });

  it("finds the stored inventories that hold given packages, and those matched with an old revision", async () => {
    const openssl = pkg("deb", "libssl3", "3.0.13-1", "openssl");
    await images().upsert(
      image("sha256:a", inventory(DEBIAN_12, [openssl]), { matchedWith: "rev-1", matches }),
    );
    await images().upsert(
      image("sha256:a", inventory(DEBIAN_12, [openssl]), { platform: "linux/arm64", matchedWith: "rev-2" }),
    );
    await images().upsert(image("sha256:b", inventory(DEBIAN_12, [pkg("deb", "curl", "8.5.0-2")])));
    await images().upsert(image("sha256:c", inventory(undefined, [pkg("pypi", "Django", "4.2")])));

    expect(await images().listByPackages([{ ecosystem: "Debian", name: "openssl" }])).toEqual([
      { digest: "sha256:a", platform: "linux/amd64" },
      { digest: "sha256:a", platform: "linux/arm64" },
    ]);
    expect(
      await images().listByPackages([
        { ecosystem: "PyPI", name: "django" },
        { ecosystem: "Debian", name: "curl" },
        { ecosystem: "Debian", name: "libssl3" },
        { ecosystem: "Debian", name: "no-such-package" },
        { ecosystem: "npm", name: "curl" },
      ]),
    ).toEqual([
      { digest: "sha256:a", platform: "linux/amd64" },
      { digest: "sha256:a", platform: "linux/arm64" },
      { digest: "sha256:b", platform: "linux/amd64" },
      { digest: "sha256:c", platform: "linux/amd64" },
    ]);
    expect(await images().listByPackages([])).toEqual([]);

    expect(await images().listNotMatchedWith("rev-2")).toEqual([
      { digest: "sha256:a", platform: "linux/amd64" },
      { digest: "sha256:b", platform: "linux/amd64" },
      { digest: "sha256:c", platform: "linux/amd64" },
    ]);
    const rematched: InventoryMatches = { ...matches, issues: [] };
    expect(
      await images().updateMatches({
        digest: "sha256:b",
        platform: "linux/amd64",
        matches: rematched,
        matchedWith: "rev-2",
        matchedAt: at(9),
      }),
    ).toBe(true);
    expect(
      await images().updateMatches({
        digest: "sha256:x",
        platform: "linux/amd64",
        matches: rematched,
        matchedWith: "rev-2",
        matchedAt: at(9),
      }),
    ).toBe(false);
    expect(await images().get({ digest: "sha256:b", platform: "linux/amd64" })).toMatchObject({
      matchedWith: "rev-2",
      matchedAt: at(9),
      matches: rematched,
      scannedAt: at(0),
    });
    expect(await images().listNotMatchedWith("rev-2", { limit: 1 })).toEqual([
      { digest: "sha256:a", platform: "linux/amd64" },
    ]);
  });
});
