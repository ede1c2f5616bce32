import { describe, expect, it } from "vitest";
import type { LayerPackage } from "../model/layer-inventory.js";
import type { MergedPackage } from "./merge-layers.js";
import { reconcileNpmLockfiles } from "./reconcile-npm-lockfiles.js";

const at = (path: string, pkg: LayerPackage): MergedPackage => ({
  pkg,
  location: { layerDigest: "sha256:x", layerIndex: 0, path },
});
const installed = (dir: string, name: string, version: string) =>
  at(`${dir}/node_modules/${name}/package.json`, {
    type: "npm",
    name,
    version,
    foundBy: "lang/npm-package-json",
  });
const locked = (lockfile: string, name: string, version: string, dev = false) =>
  at(lockfile, {
    type: "npm",
    name,
    version,
    foundBy: "lang/npm-package-lock",
    metadata: { fromLockfile: "true", ...(dev ? { dev: "true" } : {}) },
  });
const names = (ps: readonly MergedPackage[]) =>
  ps.map((p) => `${p.pkg.name}@${p.pkg.version} ${p.location.path}`);

describe("reconcileNpmLockfiles", () => {
  it("lists a package installed beside its lockfile once, from node_modules", () => {
    const input = [
      installed("/app", "express", "4.17.1"),
      installed("/app", "@types/node", "20.0.0"),
      locked("/app/package-lock.json", "express", "4.17.1"),
      locked("/app/package-lock.json", "@types/node", "20.0.0"),
    ];
    const { packages, issues } = reconcileNpmLockfiles(input);
    expect(names(packages)).toEqual([
      "express@4.17.1 /app/node_modules/express/package.json",
      "@types/node@20.0.0 /app/node_modules/@types/node/package.json",
    ]);
    expect(issues).toEqual([]);
  });

  it("drops lockfile packages missing from the installed tree and says which", () => {
    const { packages, issues } = reconcileNpmLockfiles([
      installed("/app", "express", "4.17.1"),
      locked("/app/package-lock.json", "express", "4.17.1"),
      locked("/app/package-lock.json", "mocha", "10.0.0", true),
    ]);
    expect(names(packages)).toEqual(["express@4.17.1 /app/node_modules/express/package.json"]);
    expect(issues).toEqual([
      expect.objectContaining({
        severity: "info",
        code: "npm-lockfile-not-installed",
        location: { path: "/app/package-lock.json" },
        message: expect.stringContaining("mocha@10.0.0"),
      }),
    ]);
  });

  it("keeps a lockfile's packages when nothing is installed beside it", () => {
    const input = [
      installed("/other", "express", "4.17.1"), // another project's tree
      locked("/app/yarn.lock", "express", "4.17.1"),
      locked("/app/yarn.lock", "mocha", "10.0.0", true),
      locked("/package-lock.json", "left-pad", "1.3.0"),
    ];
    const { packages, issues } = reconcileNpmLockfiles(input);
    expect(packages).toEqual(input);
    expect(issues).toEqual([]);
  });

  it("a tree at the root of the image counts for a lockfile at the root", () => {
    const { packages } = reconcileNpmLockfiles([
      installed("", "a", "1.0.0"),
      locked("/package-lock.json", "a", "1.0.0"),
    ]);
    expect(names(packages)).toEqual(["a@1.0.0 /node_modules/a/package.json"]);
  });

  it("leaves other ecosystems alone", () => {
    const deb = at("/var/lib/dpkg/status", { type: "deb", name: "a", version: "1", foundBy: "os/dpkg" });
    expect(reconcileNpmLockfiles([deb]).packages).toEqual([deb]);
  });
});
