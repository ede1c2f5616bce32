/**
 * The "older versions" variant of a Debian test image, built in the test: one more layer on top
 * of it whose `/var/lib/dpkg/status` lists lower versions of chosen packages, so that advisories
 * fixed since then apply. Built with the tools the test images are built with (tar, skopeo,
 * umoci) into an OCI layout of its own.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** New versions per binary package: `Version:` is replaced, and the `(version)` of `Source:` too. */
export type VersionRewrites = Readonly<Record<string, string>>;

/** The last layer of an image (in an OCI layout) that holds `var/lib/dpkg/status`, and its text. */
export function readDpkgStatus(layoutDir: string, tag: string): string {
  const index = JSON.parse(readFileSync(join(layoutDir, "index.json"), "utf8")) as {
    manifests: { digest: string; annotations?: Record<string, string> }[];
  };
  const entry = index.manifests.find((m) => m.annotations?.["org.opencontainers.image.ref.name"] === tag);
  if (!entry) throw new Error(`no tag ${tag} in ${layoutDir}`);
  const blob = (digest: string) => join(layoutDir, "blobs", "sha256", digest.replace(/^sha256:/, ""));
  const manifest = JSON.parse(readFileSync(blob(entry.digest), "utf8")) as { layers: { digest: string }[] };
  for (const layer of [...manifest.layers].reverse()) {
    const names = execFileSync("tar", ["-tzf", blob(layer.digest)], {
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
    }).split("\n");
    const member = names.find((n) => n.replace(/^\.\//, "") === "var/lib/dpkg/status");
    if (member)
      return execFileSync("tar", ["-xzOf", blob(layer.digest), member], {
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
      });
  }
  throw new Error(`${tag} has no var/lib/dpkg/status`);
}

/** Rewrites versions in a dpkg status file; throws when a named package is missing. */
export function rewriteStatus(status: string, rewrites: VersionRewrites): string {
  const seen = new Set<string>();
  const stanzas = status.split(/\n\n+/).map((stanza) => {
    const name = /^Package: (.+)$/m.exec(stanza)?.[1];
    const version = name === undefined ? undefined : rewrites[name];
    if (name === undefined || version === undefined) return stanza;
    seen.add(name);
    return stanza
      .replace(/^Version: .+$/m, `Version: ${version}`)
      .replace(/^Source: (\S+) \(.+\)$/m, (_all, source: string) => `Source: ${source} (${version})`);
  });
  const missing = Object.keys(rewrites).filter((n) => !seen.has(n));
  if (missing.length > 0) throw new Error(`not in the status file: ${missing.join(", ")}`);
  return `${stanzas.join("\n\n").replace(/\n+$/, "")}\n`;
}

/**
 * Copies `<layoutDir>:<tag>` to `<workDir>/oci:<newTag>` and adds a layer holding `status` as
 * `var/lib/dpkg/status`. Returns the new layout directory.
 */
export function buildStatusLayerImage(input: {
  readonly layoutDir: string;
  readonly tag: string;
  readonly newTag: string;
  readonly status: string;
  readonly workDir: string;
}): string {
  const { layoutDir, tag, newTag, status, workDir } = input;
  const tree = join(workDir, "status-layer");
  mkdirSync(join(tree, "var/lib/dpkg"), { recursive: true });
  writeFileSync(join(tree, "var/lib/dpkg/status"), status);
  const tar = join(workDir, "status-layer.tar");
  execFileSync("tar", [
    "-C",
    tree,
    "--create",
    "--file",
    tar,
    "--sort=name",
    "--owner=0",
    "--group=0",
    "--numeric-owner",
    "--mtime=@1747699200",
    "var/lib/dpkg/status",
  ]);
  const layout = join(workDir, "oci");
  execFileSync("skopeo", [
    "copy",
    "-q",
    "--insecure-policy",
    `oci:${layoutDir}:${tag}`,
    `oci:${layout}:${newTag}`,
  ]);
  execFileSync("umoci", [
    "raw",
    "add-layer",
    "--image",
    `${layout}:${newTag}`,
    "--history.created_by",
    "rewrite /var/lib/dpkg/status with older versions (matching accuracy test)",
    tar,
  ]);
  return layout;
}
