// Builds (once, cached under $VIGIL_BENCH_CACHE) an OCI layout `big` whose second layer holds
// 1 GiB of file content, to show that memory does not grow with image size.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";

const sha256File = (path) =>
  new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    createReadStream(path)
      .on("data", (d) => hash.update(d))
      .on("end", () => resolve(`sha256:${hash.digest("hex")}`))
      .on("error", reject);
  });

/** Returns the OCI layout dir holding tag `big` (the minbase base layer plus a 1 GiB layer). */
export async function bigLayerImage(testLayout) {
  const cache = process.env.VIGIL_BENCH_CACHE || "/var/cache/vigil-bench";
  const layout = join(cache, "big-layout");
  if (existsSync(join(layout, "done"))) return layout;
  rmSync(layout, { recursive: true, force: true });
  execFileSync("skopeo", ["copy", "-q", `oci:${testLayout}:minbase`, `oci:${layout}:big`]);
  const work = join(cache, "big-work");
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, "root/opt/data"), { recursive: true });
  // 64 files of 16 MiB of pseudo-random text: not trivially compressible, 1 GiB in all.
  for (let i = 0; i < 64; i++) {
    execFileSync("bash", [
      "-c",
      `openssl enc -aes-128-ctr -pass pass:${i} -nosalt </dev/zero 2>/dev/null | head -c 16777216 | base64 -w 0 | head -c 16777216 > ${join(work, "root/opt/data", `blob-${i}.txt`)}`,
    ]);
  }
  const tar = join(work, "layer.tar");
  execFileSync("tar", [
    "--sort=name",
    "--owner=0",
    "--group=0",
    "--mtime=@0",
    "-C",
    join(work, "root"),
    "-cf",
    tar,
    ".",
  ]);
  const diffId = await sha256File(tar);
  execFileSync("gzip", ["-1", "-n", tar]);
  const gz = `${tar}.gz`;
  const digest = await sha256File(gz);
  const blobs = join(layout, "blobs/sha256");
  renameSync(gz, join(blobs, digest.slice(7)));
  const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8"));
  const manifestDigest = index.manifests[0].digest;
  const manifest = JSON.parse(readFileSync(join(blobs, manifestDigest.slice(7)), "utf8"));
  const config = JSON.parse(readFileSync(join(blobs, manifest.config.digest.slice(7)), "utf8"));
  config.rootfs.diff_ids.push(diffId);
  config.history = [...(config.history ?? []), { created_by: "bench: 1 GiB of data" }];
  const put = (text) => {
    const d = `sha256:${createHash("sha256").update(text).digest("hex")}`;
    writeFileSync(join(blobs, d.slice(7)), text);
    return { digest: d, size: Buffer.byteLength(text) };
  };
  const configBlob = put(JSON.stringify(config));
  manifest.config = { ...manifest.config, ...configBlob };
  manifest.layers.push({
    mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
    digest,
    size: statSync(join(blobs, digest.slice(7))).size,
  });
  const manifestBlob = put(JSON.stringify(manifest));
  index.manifests = [{ ...index.manifests[0], ...manifestBlob }];
  writeFileSync(join(layout, "index.json"), JSON.stringify(index));
  rmSync(work, { recursive: true, force: true });
  writeFileSync(join(layout, "done"), "");
  return layout;
}
