// Image variants for the benchmarks: the test API server compiled to plain JS, and variants of
// the six real test images pushed to a bench registry, each with its own config and manifest
// digest (the same layers under a config with one extra label, as re-built images are).
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./lib.mjs";

/** The test images the variants are made of (pushed by `startBenchRegistry(dir, BASES)`). */
export const BASES = ["minbase", "python", "multilayer", "nodeapp", "alpine-3.11", "rpm-sqlite"];
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

/** The test API server as plain JS: compiled once per source hash under the bench cache. */
export function compiledKubeApi() {
  const sources = join(repoRoot, "scripts/test-env");
  const hash = createHash("sha256");
  for (const f of execFileSync("git", ["ls-files", "scripts/test-env"], {
    cwd: repoRoot,
    encoding: "utf8",
  }).split("\n")) {
    if (f.endsWith(".ts")) hash.update(f).update(readFileSync(join(repoRoot, f)));
  }
  const cache = process.env.VIGIL_BENCH_CACHE || "/var/cache/vigil-bench";
  const out = join(cache, `kube-api-${hash.digest("hex").slice(0, 16)}`);
  if (!existsSync(join(out, "kube-api/kube-api-server.js"))) {
    execFileSync(
      "npx",
      ["tsc", "--outDir", out, "--rootDir", sources, "--module", "nodenext", "--moduleResolution", "nodenext"]
        .concat(["--target", "es2022", "--skipLibCheck", "--types", "node"])
        .concat([
          join(sources, "kube-api/kube-api-server.ts"),
          join(sources, "kube-api/synthetic-cluster.ts"),
        ]),
      { cwd: repoRoot, stdio: "inherit" },
    );
    cpSync(join(sources, "kube-api/testdata"), join(out, "kube-api/testdata"), { recursive: true });
  }
  return out;
}

/** Push `count` variants of the base images; returns [{repository, digest}] in order. */
export async function pushVariants(host, count) {
  const variants = [];
  const bases = {};
  for (const tag of BASES) {
    const response = await fetch(`http://${host}/v2/bench/${tag}/manifests/latest`, {
      headers: { Accept: OCI_MANIFEST },
    });
    const manifest = await response.json();
    const config = await (
      await fetch(`http://${host}/v2/bench/${tag}/blobs/${manifest.config.digest}`)
    ).json();
    bases[tag] = { manifest, config };
  }
  for (let i = 0; i < count; i++) {
    const tag = BASES[i % BASES.length];
    const { manifest, config } = bases[tag];
    const variantConfig = Buffer.from(
      JSON.stringify({
        ...config,
        config: { ...config.config, Labels: { ...config.config?.Labels, "vigil.bench/variant": String(i) } },
      }),
    );
    const configDigest = `sha256:${createHash("sha256").update(variantConfig).digest("hex")}`;
    const upload = await fetch(`http://${host}/v2/bench/${tag}/blobs/uploads/`, { method: "POST" });
    const location = new URL(upload.headers.get("location"), `http://${host}`);
    location.searchParams.set("digest", configDigest);
    const put = await fetch(location, {
      method: "PUT",
      body: variantConfig,
      headers: { "Content-Type": "application/octet-stream" },
    });
    if (!put.ok) throw new Error(`config upload ${put.status}`);
    const variantManifest = Buffer.from(
      JSON.stringify({
        ...manifest,
        config: { ...manifest.config, digest: configDigest, size: variantConfig.length },
      }),
    );
    const digest = `sha256:${createHash("sha256").update(variantManifest).digest("hex")}`;
    const pushed = await fetch(`http://${host}/v2/bench/${tag}/manifests/v${i}`, {
      method: "PUT",
      body: variantManifest,
      headers: { "Content-Type": OCI_MANIFEST },
    });
    if (!pushed.ok) throw new Error(`manifest push ${pushed.status}`);
    variants.push({ repository: `${host}/bench/${tag}`, tag: `v${i}`, digest });
  }
  return variants;
}

/**
 * Point every container of a synthetic cluster (`syntheticCluster` of the test API server) at a
 * real variant, by its synthetic image index (`app-<n>`, modulo the variants).
 */
export function useVariants(objects, variants) {
  // syntheticCluster shares one containers list between the pods of a Deployment: a container
  // remapped twice would have its variant's reference remapped again (to variant 0)
  const remapped = new WeakSet();
  for (const object of objects) {
    if (object.kind !== "Pod") continue;
    const remap = (image) => {
      const index = Number(/app-(\d+)/.exec(image)?.[1] ?? 0) % variants.length;
      return variants[index];
    };
    for (const list of ["containers", "initContainers"]) {
      for (const c of object.spec[list] ?? []) {
        if (remapped.has(c)) continue;
        remapped.add(c);
        c.image = `${remap(c.image).repository}:${remap(c.image).tag}`;
      }
    }
    for (const list of ["containerStatuses", "initContainerStatuses"]) {
      for (const s of object.status[list] ?? []) {
        const v = remap(s.image);
        s.image = `${v.repository}:${v.tag}`;
        s.imageID = `${v.repository}@${v.digest}`;
      }
    }
  }
}
