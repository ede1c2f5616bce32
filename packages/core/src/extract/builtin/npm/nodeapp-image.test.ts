import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { testEnv } from "../../../../../../scripts/test-env/env.js";
import { readExpectedImage } from "../../../../../../scripts/test-env/expected.js";
import type { ImageInventory } from "../../../model/image-inventory.js";
import { openImageSource } from "../../../registry/open-image-source.js";
import { scanImageInventory } from "../../../scan/scan-image-inventory.js";

const env = testEnv();
const repoRoot = join(import.meta.dirname, "../../../../../..");

async function inventoryOf(reference: string): Promise<ImageInventory> {
  const source = await openImageSource(reference);
  try {
    const scan = await scanImageInventory({ source });
    expect(scan.error).toBeUndefined();
    expect(scan.status).toBe("complete");
    return scan.inventory!;
  } finally {
    await source.close?.();
  }
}

/**
 * What `npm ci --omit=dev` installs from the image's lockfile, computed straight from the
 * lockfile: every `packages` key under node_modules/ that is not dev, at `/app/<key>`.
 */
function lockfileTruth(): string[] {
  const lock = JSON.parse(
    readFileSync(join(repoRoot, "testdata/images/nodeapp/package-lock.json"), "utf8"),
  ) as {
    packages: Record<string, { version: string; dev?: boolean }>;
  };
  return Object.entries(lock.packages)
    .filter(([key, entry]) => key.startsWith("node_modules/") && !entry.dev)
    .map(([key, entry]) => `${key.split("node_modules/").pop()}@${entry.version} /app/${key}/package.json`)
    .sort();
}

describe("the nodeapp image (Debian nodejs, /app installed with npm ci --omit=dev)", () => {
  it("lists every package of the lockfile once, from /app/node_modules, in the layer npm ci wrote", async () => {
    const inventory = await inventoryOf(`${env.registry}/vigil/nodeapp:latest`);
    const npm = inventory.packages.filter((p) => p.type === "npm");
    const truth = lockfileTruth();
    expect(truth.length).toBeGreaterThan(40);
    expect(npm.map((p) => `${p.name}@${p.version} ${p.location.path}`).sort()).toEqual(truth);
    expect(npm.every((p) => p.foundBy === "lang/npm-package-json")).toBe(true);
    const expected = readExpectedImage(env, "nodeapp");
    expect(new Set(npm.map((p) => p.location.layerDigest))).toEqual(new Set([expected.layers[2]!.digest]));
    const byName = new Map(npm.map((p) => [p.name, p]));
    expect(byName.get("express")).toMatchObject({ version: "4.17.1", purl: "pkg:npm/express@4.17.1" });
    expect(byName.get("lodash")).toMatchObject({ version: "4.17.15", metadata: { license: "MIT" } });
    // The lockfile beside the tree lists nothing that is not installed: no issue about it.
    expect(inventory.issues.filter((i) => i.code === "npm-lockfile-not-installed")).toEqual([]);
    expect(inventory.issues.filter((i) => i.severity === "error")).toEqual([]);
    // Debian's nodejs is a dpkg package; its JavaScript under /usr/share/nodejs is not listed again.
    expect(inventory.packages.some((p) => p.type === "deb" && p.name === "nodejs")).toBe(true);
  });

  it("multilayer: an opaque directory leaves only the upper layer's vendored package", async () => {
    const inventory = await inventoryOf(`${env.registry}/vigil/multilayer:latest`);
    const npm = inventory.packages.filter((p) => p.type === "npm");
    expect(npm.map((p) => `${p.name}@${p.version} ${p.location.path} ${p.location.layerIndex}`)).toEqual([
      "left-pad@1.3.0 /opt/vendor/node_modules/left-pad/package.json 3",
    ]);
    expect(npm[0]?.metadata).toEqual({ license: "WTFPL" });
  });
});
