import { describe, expect, it } from "vitest";
import { createMemoryLayerCache } from "../cache/directory-layer-cache.js";
import { buildTar } from "../layer/test-support/tar-builder.js";
import { scanImageInventory } from "./scan-image-inventory.js";
import { createMemoryImageSource } from "./test-support/memory-image-source.js";

const status = (...pkgs: [string, string][]) =>
  pkgs
    .map(
      ([name, version]) =>
        `Package: ${name}\nStatus: install ok installed\nVersion: ${version}\nArchitecture: amd64\n`,
    )
    .join("\n");

const base = buildTar([
  { name: "etc/os-release", content: 'ID=debian\nVERSION_ID="12"\n' },
  { name: "var/lib/dpkg/status", content: status(["libc6", "2.36-9"], ["curl", "7.88.1-10"]) },
  { name: "lib/apk/db/installed", content: "P:ghost\nV:1.0-r0\n" },
]);
// Upper layer: purge curl (dpkg status rewritten), add a package, delete the stray apk db.
const upper = buildTar([
  { name: "var/lib/dpkg/status", content: status(["libc6", "2.36-9"], ["zlib1g", "1:1.2.13"]) },
  { name: "lib/apk/db/.wh.installed" },
]);
const opaque = buildTar([{ name: "lib/.wh..wh..opq" }, { name: "lib/keep", content: "x" }]);

describe("scanImageInventory", () => {
  it("merges layers: rewrites replace, whiteouts delete, origins stay with the introducing layer", async () => {
    const source = createMemoryImageSource([{ tar: base }, { tar: upper }]);
    const scan = await scanImageInventory({ source });
    expect(scan.status).toBe("complete");
    const pkgs = scan.inventory!.packages.map((p) => `${p.name}@${p.version} layer${p.location.layerIndex}`);
    expect(pkgs).toEqual(["libc6@2.36-9 layer0", "zlib1g@1:1.2.13 layer1"]);
    expect(scan.inventory!.os).toMatchObject({ id: "debian", versionId: "12", source: "/etc/os-release" });
    expect(scan.inventory!.packages[0]!.purl).toBe("pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12");
  });

  it("hides lower content under an opaque directory", async () => {
    const scan = await scanImageInventory({
      source: createMemoryImageSource([{ tar: base }, { tar: opaque }]),
    });
    expect(scan.inventory!.packages.map((p) => p.type)).toEqual(["deb", "deb"]);
  });

  it("reads each layer once and serves the second scan from the cache", async () => {
    const cache = createMemoryLayerCache();
    const first = createMemoryImageSource([{ tar: base }, { tar: upper }]);
    const cold = await scanImageInventory({ source: first, cache });
    expect(first.opened).toHaveLength(2);
    const second = createMemoryImageSource([{ tar: base }, { tar: upper }]);
    const warm = await scanImageInventory({ source: second, cache });
    expect(second.opened).toHaveLength(0);
    expect(warm.layers.map((l) => l.status)).toEqual(["cached", "cached"]);
    expect(warm.inventory).toEqual(cold.inventory);
  });

  it("never reports a truncated layer as complete, and never caches it", async () => {
    const cache = createMemoryLayerCache();
    const source = createMemoryImageSource([{ tar: base }, { tar: upper, truncateTo: 40 }]);
    const scan = await scanImageInventory({ source, cache });
    expect(scan.status).toBe("partial");
    expect(scan.layers.map((l) => l.status)).toEqual(["read", "failed"]);
    expect(scan.error).toMatch(/1 of 2 layers could not be read/);
    expect(scan.inventory!.issues).toContainEqual(
      expect.objectContaining({ code: "layer-failed", severity: "error" }),
    );
    expect(cache.size).toBe(1);
  });

  it("says the inventory is empty when no layer could be read", async () => {
    const source = createMemoryImageSource([{ tar: base, truncateTo: 40 }]);
    const scan = await scanImageInventory({ source });
    expect(scan.status).toBe("partial");
    expect(scan.error).toMatch(/^no layer could be read \(1 of 1\); the inventory is empty\. First error: /);
  });

  it("treats an error at the end of a blob (digest mismatch) as a failed layer", async () => {
    const mismatch = new Error("blob digest mismatch");
    const source = createMemoryImageSource([{ tar: base, failAtEnd: mismatch }]);
    const scan = await scanImageInventory({ source });
    expect(scan.status).toBe("partial");
    expect(scan.layers[0]).toMatchObject({ status: "failed", error: "blob digest mismatch" });
    expect(scan.inventory!.packages).toEqual([]);
  });

  it("fails with the source's error when the image cannot be resolved", async () => {
    const scan = await scanImageInventory({
      source: {
        description: "x",
        resolve: () => Promise.reject(new Error("manifest unknown")),
        openBlob: () => Promise.reject(new Error()),
      },
    });
    expect(scan).toMatchObject({ status: "failed", error: "manifest unknown" });
  });

  it("reports progress in bytes and layers", async () => {
    const events: string[] = [];
    await scanImageInventory({
      source: createMemoryImageSource([{ tar: base }]),
      onProgress: (e) => events.push(e.type),
    });
    expect(events[0]).toBe("resolved");
    expect(events).toContain("layer-bytes");
    expect(events.at(-1)).toBe("layer-done");
  });

  it("follows a hard link to a file no extractor wanted by walking the layer a second time", async () => {
    const tar = buildTar([
      { name: "srv/copy-of-status", content: status(["bash", "5.2.15-2"]) },
      { name: "var/lib/dpkg/status", type: "hardlink", linkName: "srv/copy-of-status" },
    ]);
    const source = createMemoryImageSource([{ tar }]);
    const scan = await scanImageInventory({ source });
    expect(scan.status).toBe("complete");
    expect(scan.inventory!.packages.map((p) => `${p.name} ${p.location.path}`)).toEqual([
      "bash /var/lib/dpkg/status",
    ]);
    expect(source.opened).toHaveLength(2);
  });

  it("serves a hard link to a file already read without a second pass", async () => {
    const tar = buildTar([
      { name: "var/lib/dpkg/status", content: status(["bash", "5.2.15-2"]) },
      { name: "var/lib/dpkg/status.d/bash", type: "hardlink", linkName: "var/lib/dpkg/status" },
    ]);
    const source = createMemoryImageSource([{ tar }]);
    const scan = await scanImageInventory({ source });
    expect(scan.inventory!.packages.map((p) => p.location.path)).toEqual([
      "/var/lib/dpkg/status",
      "/var/lib/dpkg/status.d/bash",
    ]);
    expect(source.opened).toHaveLength(1);
  });
});
