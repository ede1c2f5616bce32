import { describe, expect, it } from "vitest";
import type { LayerFileRecord, LayerInventory, LayerPackage } from "../model/layer-inventory.js";
import { buildImageInventory } from "./build-image-inventory.js";
import type { PlacedLayer } from "./merge-layers.js";

const rpm = (name: string) => ({ type: "rpm" as const, name, version: "1.0-1", foundBy: "os/rpm" });
const npm = (name: string) => ({ type: "npm" as const, name, version: "1.0.0", foundBy: "test/fake" });
const file = (
  path: string,
  names: string[],
  make: (name: string) => LayerPackage = npm,
): LayerFileRecord => ({
  path,
  kind: "file",
  packages: names.map((n) => make(n)),
  osFacts: [],
});
const layer = (
  index: number,
  files: LayerFileRecord[],
  extra: Partial<LayerInventory> = {},
): PlacedLayer => ({
  index,
  layerDigest: `sha256:${String(index).repeat(64)}`,
  inventory: {
    layerDigest: `sha256:${String(index).repeat(64)}`,
    files,
    whiteouts: [],
    opaqueDirs: [],
    issues: [],
    stats: { entries: 0, uncompressedBytes: 0, filesRead: 0, bytesRead: 0 },
    ...extra,
  },
});

describe("buildImageInventory", () => {
  it("lists rpm packages from the database rpm reads, not from a stale BerkeleyDB copy", () => {
    const inventory = buildImageInventory([
      layer(0, [file("/var/lib/rpm/Packages", ["old"], rpm)]),
      layer(1, [file("/var/lib/rpm/rpmdb.sqlite", ["new"], rpm)]),
    ]);
    expect(inventory.packages.map((p) => p.name)).toEqual(["new"]);
    expect(inventory.issues).toEqual([
      expect.objectContaining({ code: "rpm-database-ignored", location: { path: "/var/lib/rpm/Packages" } }),
    ]);
  });

  it("whiteouts delete files and everything under deleted directories, only in lower layers", () => {
    const inventory = buildImageInventory([
      layer(0, [file("/a/x", ["x"]), file("/b/y", ["y"]), file("/c", ["c"])]),
      layer(1, [file("/a/z", ["z"])], { whiteouts: ["/a/x", "/b"] }),
    ]);
    expect(inventory.packages.map((p) => p.name)).toEqual(["c", "z"]);
  });

  it("an opaque directory hides lower content but not its own layer's files", () => {
    const inventory = buildImageInventory([
      layer(0, [file("/opt/app/a", ["a"]), file("/opt/other", ["o"])]),
      layer(1, [file("/opt/app/b", ["b"])], { opaqueDirs: ["/opt/app"] }),
    ]);
    expect(inventory.packages.map((p) => `${p.name}:${p.location.layerIndex}`)).toEqual(["b:1", "o:0"]);
  });

  it("prefers /etc/os-release over /usr/lib/os-release and release files, whatever the layer", () => {
    const fact = (source: string, priority: number, versionId: string) => ({
      id: "debian",
      versionId,
      source,
      priority,
    });
    const inventory = buildImageInventory([
      layer(0, [
        {
          path: "/etc/os-release",
          kind: "file",
          packages: [],
          osFacts: [fact("/etc/os-release", 100, "12")],
        },
      ]),
      layer(1, [
        {
          path: "/usr/lib/os-release",
          kind: "file",
          packages: [],
          osFacts: [fact("/usr/lib/os-release", 90, "11")],
        },
        {
          path: "/etc/debian_version",
          kind: "file",
          packages: [],
          osFacts: [fact("/etc/debian_version", 40, "10")],
        },
      ]),
    ]);
    expect(inventory.os).toEqual({ id: "debian", versionId: "12", source: "/etc/os-release" });
  });

  it("names distroless Debian by its base-files version when there is no os-release", () => {
    const inventory = buildImageInventory([
      layer(0, [
        {
          path: "/var/lib/dpkg/status.d/base",
          kind: "file",
          packages: [{ type: "deb", name: "base-files", version: "12.4+deb12u5", foundBy: "os/dpkg" }],
          osFacts: [],
        },
      ]),
    ]);
    expect(inventory.os).toMatchObject({ id: "debian", versionId: "12" });
    expect(inventory.packages[0]!.purl).toBe("pkg:deb/debian/base-files@12.4+deb12u5?distro=debian-12");
  });
});
