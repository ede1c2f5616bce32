// Builds (once, cached under $VIGIL_BENCH_CACHE) an OCI layout `big` whose second layer holds
// 1 GiB of file content, to show that memory does not grow with image size.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { appendLayer } from "./lib.mjs";

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
  await appendLayer(layout, tar, "bench: 1 GiB of data");
  rmSync(work, { recursive: true, force: true });
  writeFileSync(join(layout, "done"), "");
  return layout;
}
